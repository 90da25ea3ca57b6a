using HpcRun.Image.Posix;
using Microsoft.Win32.SafeHandles;

namespace HpcRun.Image;

/// <summary>What kind of file a path names (statx(2), STATX_TYPE), without opening it: a FIFO
/// named where an image or a file is expected must not block whoever opens it.</summary>
public static class PosixFile
{
    public const int Directory = (int)Libc.S_IFDIR, Regular = (int)Libc.S_IFREG;
    /// <summary>AT_FDCWD: paths relative to the current directory.</summary>
    public const int AtCwd = Libc.AtCwd;

    /// <summary>The file type bits of st_mode (<see cref="Directory"/>, <see cref="Regular"/>...) of
    /// <paramref name="path"/> (symlinks followed), or of <paramref name="fd"/> itself when the path is
    /// empty; -1 when it cannot be looked at.</summary>
    public static int Type(string path, int fd = AtCwd)
    {
        using var dir = new SafeFileHandle(fd, ownsHandle: false);
        return Libc.Type(dir, path) is { } type ? (int)type : -1;
    }

    public static bool IsDirectory(string path) => Type(path) == Directory;

    /// <summary>Whether the caller may list <paramref name="directory"/> and reach what it holds (read and search
    /// permission: access(2)).</summary>
    public static bool CanEnter(string directory) => Libc.Access(directory, Libc.R_OK | Libc.X_OK) == 0;

    /// <summary>The first directory on the way to <paramref name="path"/> (its absolute form, as written, from the
    /// root down) that the caller may not search, so that the kernel refuses them what is below it; null when there
    /// is none. A process inside a user namespace whose ids are the caller's is bound as the caller is by
    /// access(2), unless it is root there (the launcher with --fakeroot): <paramref name="ownerInside"/>, the
    /// caller's uid there, then marks the caller's own directories, whose owner bits decide for the caller outside.
    /// </summary>
    public static string? ClosedDirectoryAbove(string path, int? ownerInside = null)
    {
        var above = new Stack<string>();
        for (string? directory = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));
             directory is not null; directory = Path.GetDirectoryName(directory))
            above.Push(directory);
        return above.FirstOrDefault(directory => Libc.Access(directory, Libc.X_OK) != 0
            || Libc.StatFollowing(Libc.Cwd, directory) is { } stat && (int)stat.Uid == ownerInside
                && (stat.Mode & 0x40 /* 0100 */) == 0);
    }

    /// <summary>Whether the caller may make files in <paramref name="directory"/> (write and search permission:
    /// access(2)).</summary>
    public static bool CanWriteIn(string directory) => Libc.Access(directory, Libc.W_OK | Libc.X_OK) == 0;

    public static bool IsRegular(string path) => Type(path) == Regular;
}
