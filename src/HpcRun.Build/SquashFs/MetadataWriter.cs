using System.Buffers.Binary;

namespace HpcRun.Build.SquashFs;

/// <summary>
/// A table of SquashFS metadata blocks (squashfs_fs.h; format.adoc "Metadata blocks"), built in memory: the bytes
/// written are cut into 8 KiB blocks, each stored after a 16-bit little-endian header giving its stored size, bit 15
/// set when it is stored uncompressed (zlib's bytes were no shorter). Whatever is written can be found again by
/// <see cref="Reference"/>: the stored position of its block in the table and its offset in the block's bytes.
/// </summary>
internal sealed class MetadataWriter(int level)
{
    /// <summary>SQUASHFS_METADATA_SIZE: uncompressed bytes of a block.</summary>
    public const int BlockSize = 8192;
    private const ushort Uncompressed = 0x8000; // SQUASHFS_COMPRESSED_BIT

    private readonly MemoryStream blocks = new(), scratch = new();
    private readonly byte[] block = new byte[BlockSize];
    private readonly List<long> starts = [];
    private int fill;

    /// <summary>Where the next byte written goes: bits 16 and up the stored position of its block from the table's
    /// start, bits 0-15 its offset in the block (an inode reference's layout).</summary>
    public long Reference => blocks.Length << 16 | (long)fill;

    /// <summary>The stored position of each block from the table's start (the index of an id or fragment table);
    /// complete once <see cref="Finish"/> returned.</summary>
    public IReadOnlyList<long> BlockStarts => starts;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int n = Math.Min(bytes.Length, BlockSize - fill);
            bytes[..n].CopyTo(block.AsSpan(fill));
            fill += n;
            bytes = bytes[n..];
            if (fill == BlockSize) Flush();
        }
    }

    /// <summary>Stores the last, partial block; returns the table's stored bytes.</summary>
    public MemoryStream Finish()
    {
        if (fill > 0) Flush();
        return blocks;
    }

    private void Flush()
    {
        starts.Add(blocks.Length);
        ReadOnlySpan<byte> bytes = block.AsSpan(0, fill);
        bool compressed = ZlibBlock.TryCompress(bytes, level, scratch);
        if (compressed) bytes = scratch.GetBuffer().AsSpan(0, (int)scratch.Length);
        Span<byte> header = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(bytes.Length | (compressed ? 0 : Uncompressed)));
        blocks.Write(header);
        blocks.Write(bytes);
        fill = 0;
    }
}
