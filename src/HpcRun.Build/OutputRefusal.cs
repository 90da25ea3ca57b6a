using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build;

/// <summary>
/// What a build, and a pull (which builds), says of an OUT it cannot write: one wording and one status (80,
/// <see cref="BuildFailure.OutputUnwritable"/>) whatever the verb, the source or the writer, so that a script tells
/// "OUT is in the way" from a registry's or a source's fault alike everywhere (README, "Exit status"). A full disk is
/// <see cref="BuildFailure.DiskFull"/> (108) instead.
/// </summary>
public static class OutputRefusal
{
    /// <summary>Refuses, before anything is read or downloaded, an OUT the build would refuse at its end: one that
    /// names a directory or is one, that exists without <paramref name="force"/>, or whose directory is missing or
    /// no directory. (Whether that directory takes a new entry, only making one tells.)</summary>
    public static void Check(string output, bool force)
    {
        (string dirPath, string name) = Split(output);
        using SafeFileHandle directory = OpenDirectory(output, dirPath);
        CheckExisting(directory, name, output, force);
    }

    /// <summary>OUT's directory ("." for a bare name) and its name in it.</summary>
    internal static (string Directory, string Name) Split(string output)
    {
        string name = output[(output.TrimEnd('/').LastIndexOf('/') + 1)..];
        return name is "" or "." or ".." || name.EndsWith('/')
            ? throw Unwritable(output, "it names a directory, not a file") : (DirectoryOf(output), name);
    }

    private static string DirectoryOf(string output) =>
        output.TrimEnd('/').LastIndexOf('/') switch { < 0 => ".", 0 => "/", var slash => output[..slash] };

    /// <summary>OUT's directory, <paramref name="dirPath"/>, opened as O_PATH.</summary>
    internal static SafeFileHandle OpenDirectory(string output, string dirPath)
    {
        SafeFileHandle directory = Open(Cwd, dirPath, O_PATH | O_DIRECTORY);
        if (!directory.IsInvalid) return directory;
        int errno = Errno;
        directory.Dispose();
        throw InDirectory(output, errno);
    }

    /// <summary>Refuses an OUT (<paramref name="name"/> in <paramref name="directory"/>) that is a directory, or
    /// that exists without <paramref name="force"/>.</summary>
    internal static void CheckExisting(SafeFileHandle directory, string name, string output, bool force)
    {
        if (Stat(directory, name) is not { } existing) return;
        if (existing.Type == S_IFDIR) throw Unwritable(output, "it is a directory");
        if (!force) throw Unwritable(output, "it exists; give --force to overwrite it");
    }

    /// <summary>OUT's directory refused to be opened, or (<paramref name="opened"/>) to take the entry the build
    /// makes beside OUT, with <paramref name="errno"/>: ENOENT from a directory that opened is its file system's
    /// refusal (/proc's), not a missing directory.</summary>
    public static ImageBuildException InDirectory(string output, int errno, bool opened = false)
    {
        string dirPath = DirectoryOf(output);
        return Unwritable(output, errno switch
        {
            ENOENT when opened => $"its directory {Shown.Path(dirPath)} takes no new files: its file system " +
                "refuses them",
            ENOENT => $"its directory {Shown.Path(dirPath)} does not exist",
            ENOTDIR => $"{Shown.Path(dirPath)} is not a directory",
            EACCES => "permission denied in its directory",
            _ => IoError.Describe(errno),
        }, errno);
    }

    /// <summary>A failure to write OUT (<paramref name="why"/> after its name); <see cref="BuildFailure.DiskFull"/>
    /// where <paramref name="errno"/> says its file system is full.</summary>
    public static ImageBuildException Unwritable(string output, string why, int errno = 0) =>
        errno is ENOSPC or EDQUOT ? ImageBuildException.Full(Shown.Path(output), IoError.Describe(errno))
            : new($"cannot write {Shown.Path(output)}: {why}", BuildFailure.OutputUnwritable);

    /// <summary>A failure to write OUT that <paramref name="e"/> says.</summary>
    public static ImageBuildException Unwritable(string output, Exception e) =>
        IoError.IsFull(e) ? ImageBuildException.Full(Shown.Path(output), IoError.Describe(e))
            : Unwritable(output, IoError.Describe(e));
}
