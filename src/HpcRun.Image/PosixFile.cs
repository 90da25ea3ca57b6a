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

    public static bool IsRegular(string path) => Type(path) == Regular;
}
