using System.Buffers.Binary;

namespace HpcRun.Image.Formats;

/// <summary>
/// The part of a SquashFS 4.0 superblock that tells whether a file (or a partition inside
/// one) is a complete SquashFS image, checked before squashfuse ever sees it.
/// </summary>
public sealed record SquashFsSuperblock(uint Inodes, uint BlockSize, ushort Compression, long BytesUsed)
{
    public const int Size = 96;
    private const uint Magic = 0x73717368; // "hsqs"

    public static bool HasMagic(ReadOnlySpan<byte> header) =>
        header.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(header) == Magic;

    /// <summary>Reads and checks the superblock at <paramref name="offset"/>; the image must fit in
    /// <paramref name="available"/> bytes from there.</summary>
    public static SquashFsSuperblock Read(Stream stream, long offset, long available)
    {
        Span<byte> sb = stackalloc byte[Size];
        stream.Position = offset;
        if (stream.ReadAtLeast(sb, Size, throwOnEndOfStream: false) < Size || !HasMagic(sb))
            throw new ImageFormatException("not a SquashFS image (no superblock)");
        ushort major = BinaryPrimitives.ReadUInt16LittleEndian(sb[28..]), minor = BinaryPrimitives.ReadUInt16LittleEndian(sb[30..]);
        if (major != 4 || minor != 0)
            throw new ImageFormatException($"unsupported SquashFS version {major}.{minor} (need 4.0)");
        uint blockSize = BinaryPrimitives.ReadUInt32LittleEndian(sb[12..]);
        ushort blockLog = BinaryPrimitives.ReadUInt16LittleEndian(sb[22..]);
        if (blockSize is < 4096 or > 1 << 20 || 1u << blockLog != blockSize)
            throw new ImageFormatException("corrupt SquashFS superblock (block size)");
        long bytesUsed = BinaryPrimitives.ReadInt64LittleEndian(sb[40..]);
        if (bytesUsed < Size)
            throw new ImageFormatException("corrupt SquashFS superblock (size)");
        if (bytesUsed > available)
            throw new ImageFormatException($"truncated SquashFS image: needs {bytesUsed} bytes, has {available}");
        long inodeTable = BinaryPrimitives.ReadInt64LittleEndian(sb[64..]);
        long directoryTable = BinaryPrimitives.ReadInt64LittleEndian(sb[72..]);
        if (inodeTable < Size || inodeTable > bytesUsed || directoryTable < inodeTable || directoryTable > bytesUsed)
            throw new ImageFormatException("corrupt SquashFS superblock (table offsets)");
        return new SquashFsSuperblock(BinaryPrimitives.ReadUInt32LittleEndian(sb[4..]), blockSize,
            BinaryPrimitives.ReadUInt16LittleEndian(sb[20..]), bytesUsed);
    }
}
