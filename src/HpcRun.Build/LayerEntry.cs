using HpcRun.Build.Tar;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;

namespace HpcRun.Build;

/// <summary>
/// What a layer's tar entry becomes in an image, whichever <see cref="ILayerTarget"/> writes it: its permission bits
/// less setuid/setgid, its modification time in squashfs's range, and the warnings for what an image does not keep.
/// Not being root, a build on disk keeps u+r on files and u+rwx on directories, which it and mksquashfs must read;
/// the in-memory tree gets the same bits, so that both give the same image.
/// </summary>
internal static class LayerEntry
{
    private const uint SetIdBits = 0b110_000_000_000;
    private static readonly uint FileBits = Libc.IsRoot ? 0 : 0b100_000_000u;
    private static readonly uint DirectoryBits = Libc.IsRoot ? 0 : 0b111_000_000u;

    /// <summary>The root's mode until a layer names it ("./").</summary>
    public static uint RootMode { get; } = 0b111_101_101 | DirectoryBits;

    /// <summary>A file's mode for the permission bits <paramref name="mode"/> (07777) its entry gives.</summary>
    public static uint FileMode(uint mode) => mode & ~SetIdBits | FileBits;

    /// <summary>A directory's mode for the permission bits <paramref name="mode"/> (07777) its entry gives.</summary>
    public static uint DirectoryMode(uint mode) => mode & ~SetIdBits | DirectoryBits;

    /// <summary>A time in seconds since 1970 as squashfs keeps it: unsigned 32-bit seconds.</summary>
    public static long Clamp(long seconds) => Math.Clamp(seconds, 0, uint.MaxValue);

    /// <summary>The warning for a device node, FIFO or unknown entry type, which the image leaves out.</summary>
    public static string Skipped(string source, TarHeader entry) =>
        $"{source}: skipped {Describe(entry)} {Shown.Path(entry.Name)} (an image keeps no device nodes or FIFOs)";

    /// <summary>The warning for a hard link at <paramref name="path"/> whose <paramref name="target"/> is missing
    /// or a directory.</summary>
    public static string LinkSkipped(string source, string path, string target) =>
        $"{source}: skipped hard link {Shown.Path(path)}: its target {Shown.Path(target)} is not a file in the image";

    /// <summary>The failure to <paramref name="what"/> <paramref name="path"/> with <paramref name="errno"/>:
    /// ENAMETOOLONG is the layer's fault (<see cref="RootDir.NameTooLong"/>), others the file system's.</summary>
    public static Exception Failure(string what, string path, int errno) => errno == Libc.ENAMETOOLONG
        ? RootDir.NameTooLong(path)
        : new PosixException($"{what} {Shown.Path(path)}", errno);

    private static string Describe(TarHeader entry) => entry.Kind switch
    {
        TarKind.CharacterDevice => "character device",
        TarKind.BlockDevice => "block device",
        TarKind.Fifo => "FIFO",
        _ => $"entry of unsupported type '{entry.TypeFlag}'",
    };
}
