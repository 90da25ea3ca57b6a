using HpcRun.Image.Posix;
using HpcRun.Launch;
using HpcRun.Native;

namespace HpcRun.Host;

/// <summary>
/// Reads the site configuration's files (README, "Site configuration"): <see cref="SiteConfig.DefaultPath"/>,
/// or the file <see cref="SiteConfig.PathVariable"/> names, then the *.conf files of its drop-in directory
/// sorted by name as `LC_ALL=C ls` sorts them; <see cref="SiteConfig.Parse"/> applies them. A node without
/// them pays one failed open(2) for the file and one for the directory. The file grants nothing (hpcrun is
/// unprivileged): it only sets defaults, so a user may point the variable at a file of their own.
/// </summary>
public static class SiteConfigReader
{
    /// <exception cref="HpcRunException"><see cref="ExitCode.SiteConfigInvalid"/>: a file or the directory
    /// unreadable, a file the variable names missing or relative, or a bad line.</exception>
    public static SiteConfig Read(IReadOnlyDictionary<string, string> environment)
    {
        string? named = SiteConfig.NamedFile(environment);
        string main = named ?? SiteConfig.DefaultPath;
        var files = new List<SiteConfigFile>();
        // The default file may be absent (most nodes); one the variable names must exist.
        if (Read(main, missingIsError: named is not null) is { } text) files.Add(new SiteConfigFile(main, text));
        foreach (string dropIn in DropIns(SiteConfig.DropInDirectory(main)))
            files.Add(new SiteConfigFile(dropIn, Read(dropIn, missingIsError: true)!));
        return files.Count == 0 ? SiteConfig.None : SiteConfig.Parse(files);
    }

    private static string? Read(string file, bool missingIsError)
    {
        if (SmallTextFile.TryRead(file, out int errno) is { } text) return text;
        if (errno == (int)Errno.ENOENT && !missingIsError) return null;
        throw Unreadable(file, errno);
    }

    /// <summary>The drop-ins' paths, in ordinal order of their names; none when the directory is missing.</summary>
    private static IEnumerable<string> DropIns(string directory)
    {
        int flags = Syscalls.O_RDONLY | Syscalls.O_DIRECTORY | Syscalls.O_CLOEXEC;
        int fd = Syscalls.TryOpen(directory, flags, out int errno);
        if (fd < 0) return errno == (int)Errno.ENOENT ? [] : throw Unreadable(directory, errno);
        Syscalls.Close(fd);
        try
        {
            return Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).OfType<string>()
                .Where(SiteConfig.IsDropIn).Order(StringComparer.Ordinal)
                .Select(name => Path.Join(directory, name)).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HpcRunException(ExitCode.SiteConfigInvalid, $"{directory}: cannot read: {IoError.Describe(e)}");
        }
    }

    private static HpcRunException Unreadable(string path, int errno) =>
        new(ExitCode.SiteConfigInvalid, $"{path}: cannot read: {SmallTextFile.WhyUnreadable(errno)}");
}
