using System.Buffers.Binary;

namespace HpcRun.Image.Formats;

/// <summary>
/// The SquashFS 4.0 superblock: the 96 little-endian bytes at the start of a file system (layout: squashfs-tools'
/// squashfs_fs.h, the kernel's Documentation/filesystems/squashfs.rst), checked before libsquashfuse sees it.
/// squashfuse 0.1.105 trusts every field (fs.c sqfs_init, table.c): a count of 0 ids leaves its id table NULL
/// and the first stat segfaults; table starts and the root inode become file positions unchecked. A segfault
/// there hangs a launch (the serving thread dies holding a request of hpcrun's own main thread), so
/// <see cref="Read"/> refuses what the Linux kernel refuses at mount and what only squashfuse needs on top
/// (<see cref="SquashFsTables"/>).
/// </summary>
/// <param name="Inodes">Inodes in the file system (at least 1).</param>
/// <param name="BlockSize">Data block size in bytes: a power of two, 4 KiB to 1 MiB.</param>
/// <param name="Compression">Compressor id: 1 gzip, 2 lzma, 3 lzo, 4 xz, 5 lz4, 6 zstd.</param>
/// <param name="BytesUsed">Bytes the file system occupies from its superblock on (without the 4 KiB padding).</param>
public sealed record SquashFsSuperblock(uint Inodes, uint BlockSize, ushort Compression, long BytesUsed)
{
    /// <summary>Bytes of the superblock; nothing else may lie below this offset.</summary>
    public const int Size = 96;
    private const uint Magic = 0x73717368; // "hsqs"
    /// <summary>Flags squashfs-tools 4.x define (0x0001 uncompressed inodes ... 0x0800 uncompressed ids).</summary>
    private const ushort KnownFlags = 0x0FFF;

    /// <summary>Whether <paramref name="header"/> starts with the little-endian magic "hsqs" (squashfuse also takes
    /// the byte-swapped one of big-endian images, which no current tool writes; hpcrun does not).</summary>
    public static bool HasMagic(ReadOnlySpan<byte> header) =>
        header.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(header) == Magic;

    /// <summary>Reads and checks the superblock at <paramref name="offset"/> of <paramref name="stream"/> (0 for a
    /// .sqfs file, the partition's offset in a SIF) and the tables it points to; the file system must fit in
    /// <paramref name="available"/> bytes from there.</summary>
    /// <exception cref="ImageFormatException">No superblock there, another version than 4.0, the image truncated, or a
    /// field out of its range or inconsistent with the tables: "corrupt SquashFS superblock (FIELD)" with FIELD one of
    /// inode count, block size, compression, flags, size, root inode, and the inode, directory, fragment, export, id
    /// and xattr tables. Errors reading <paramref name="stream"/> (<see cref="IOException"/>) pass through.</exception>
    public static SquashFsSuperblock Read(Stream stream, long offset, long available)
    {
        Span<byte> sb = stackalloc byte[Size];
        stream.Position = offset;
        if (stream.ReadAtLeast(sb, Size, throwOnEndOfStream: false) < Size || !HasMagic(sb))
            throw new ImageFormatException("not a SquashFS image (no superblock)");
        ushort major = U16(sb, 28), minor = U16(sb, 30);
        if (major != 4 || minor != 0)
            throw new ImageFormatException($"unsupported SquashFS version {major}.{minor} (need 4.0)");
        uint inodes = U32(sb, 4), blockSize = U32(sb, 12);
        ushort compression = U16(sb, 20), blockLog = U16(sb, 22), flags = U16(sb, 24);
        if (inodes == 0) throw Corrupt("inode count"); // the root is one
        // The kernel's limits (super.c): 4 KiB pages up to SQUASHFS_FILE_MAX_SIZE; squashfuse divides by the size.
        if (blockLog is < 12 or > 20 || blockSize != 1u << blockLog) throw Corrupt("block size");
        if (compression is < 1 or > 6) throw Corrupt("compression");
        if ((flags & ~KnownFlags) != 0) throw Corrupt("flags");
        // mkfs_time (bytes 8-11) is the one field nothing reads.
        ulong bytesUsed = U64(sb, 40);
        if (bytesUsed is < Size or > long.MaxValue) throw Corrupt("size");
        if ((long)bytesUsed > available)
            throw new ImageFormatException($"truncated SquashFS image: needs {bytesUsed} bytes, has {available}");
        SquashFsTables.Check(new SquashFsLayout(
            bytesUsed, RootInode: U64(sb, 32), IdTable: U64(sb, 48), XattrTable: U64(sb, 56), InodeTable: U64(sb, 64),
            DirectoryTable: U64(sb, 72), FragmentTable: U64(sb, 80), ExportTable: U64(sb, 88),
            inodes, Fragments: U32(sb, 16), Ids: U16(sb, 26)), new SquashFsReader(stream, offset, bytesUsed));
        return new SquashFsSuperblock(inodes, blockSize, compression, (long)bytesUsed);
    }

    internal static ImageFormatException Corrupt(string field) => new($"corrupt SquashFS superblock ({field})");

    private static ushort U16(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b[at..]);
    private static uint U32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);
    private static ulong U64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b[at..]);
}
