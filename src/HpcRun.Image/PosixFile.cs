using System.Runtime.InteropServices;
using HpcRun.Image.Text;

namespace HpcRun.Image;

/// <summary>What kind of file a path names (statx(2), STATX_TYPE), without opening it: a FIFO
/// named where an image or a file is expected must not block whoever opens it.</summary>
public static unsafe partial class PosixFile
{
    public const int Directory = 0x4000, Regular = 0x8000;
    /// <summary>AT_FDCWD: paths relative to the current directory.</summary>
    public const int AtCwd = -100;
    private const int TypeMask = 0xF000, AtEmptyPath = 0x1000, StatxType = 1, ModeOffset = 28;

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Custom,
        StringMarshallingCustomType = typeof(RawText.Marshaller))]
    private static partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    /// <summary>The file type bits of st_mode (<see cref="Directory"/>, <see cref="Regular"/>...) of
    /// <paramref name="path"/> (symlinks followed), or of <paramref name="fd"/> itself when the path is
    /// empty; -1 when it cannot be looked at.</summary>
    public static int Type(string path, int fd = AtCwd)
    {
        byte* buffer = stackalloc byte[256]; // struct statx: stx_mode is the u16 at offset 28
        int flags = path.Length == 0 ? AtEmptyPath : 0;
        return statx(fd, path, flags, StatxType, buffer) == 0 ? *(ushort*)(buffer + ModeOffset) & TypeMask : -1;
    }

    public static bool IsDirectory(string path) => Type(path) == Directory;

    public static bool IsRegular(string path) => Type(path) == Regular;
}
