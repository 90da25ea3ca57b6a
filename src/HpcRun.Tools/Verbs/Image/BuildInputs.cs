using HpcRun.Build.Recipe;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;

namespace HpcRun.Tools.Verbs.Image;

/// <summary>What `hpcrun build` refuses in its arguments before it reads anything: a SOURCE or recipe that is no
/// file or directory (a FIFO or a device would be read forever), and an OUT that is one of the build's inputs or a
/// recipe, which the build's final rename would replace, even with --force.</summary>
internal static class BuildInputs
{
    private const uint S_IFIFO = 0x1000, S_IFCHR = 0x2000, S_IFBLK = 0x6000, S_IFSOCK = 0xC000;

    /// <summary>Refuses a <paramref name="source"/> (65) or <paramref name="recipe"/> (-f's file: 111, as a recipe
    /// that cannot be read) that is there but is neither a regular file nor a directory, symlinks followed.</summary>
    public static void CheckKinds(string source, string? recipe)
    {
        if (Kind(source) is { } sourceKind)
            throw new HpcRunException(ExitCode.BadImage,
                $"{Shown.Path(source)} is {sourceKind}, not a file or directory to build from");
        if (recipe is not null && Kind(recipe) is { } recipeKind)
            throw new HpcRunException(ExitCode.RecipeInvalid,
                $"{Shown.Path(recipe)}: cannot read it: it is {recipeKind}");
    }

    /// <summary>Refuses (64) an <paramref name="output"/> that is the same file as one of <paramref name="inputs"/>
    /// (device and inode, through symlinks and hard links: named as given), or a recipe.</summary>
    public static void CheckOutput(string output, IEnumerable<(string Role, string Path)> inputs)
    {
        if (Identity(output) is not { } written) return;
        foreach ((string role, string path) in inputs)
            if (Identity(path) == written)
                throw new HpcRunException(ExitCode.Usage, $"OUT {Shown.Path(output)} is the same file as the " +
                    $"{role} {Shown.Path(path)}: a build does not write over what it reads; name another OUT");
        if (RecipeBuilder.IsRecipe(output))
            throw new HpcRunException(ExitCode.Usage, $"OUT {Shown.Path(output)} is a recipe: a build does not " +
                "write an image over it, even with --force; name another OUT (hpcrun build [OPTIONS] OUT SOURCE)");
    }

    /// <summary>What <paramref name="path"/> is when it is neither a regular file nor a directory ("a FIFO"); null
    /// for those, and when it is not there.</summary>
    private static string? Kind(string path) => Libc.Type(Libc.Cwd, path) switch
    {
        null or Libc.S_IFREG or Libc.S_IFDIR => null,
        S_IFIFO => "a FIFO",
        S_IFCHR => "a character device",
        S_IFBLK => "a block device",
        S_IFSOCK => "a socket",
        _ => "neither a file nor a directory",
    };

    /// <summary>The device and inode of the regular file <paramref name="path"/> names, symlinks followed; null
    /// when it is not there or no regular file.</summary>
    private static (uint, uint, ulong)? Identity(string path)
    {
        using SafeFileHandle file = Libc.Open(Libc.Cwd, path, Libc.O_PATH | Libc.O_CLOEXEC);
        return !file.IsInvalid && Libc.Stat(file, "") is { Type: Libc.S_IFREG } found
            ? (found.DevMajor, found.DevMinor, found.Inode) : null;
    }
}
