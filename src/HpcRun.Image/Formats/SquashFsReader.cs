using System.Buffers.Binary;

namespace HpcRun.Image.Formats;

/// <summary>The superblock's fields that place the tables. Positions are bytes from the superblock
/// (squashfs_fs.h struct squashfs_super_block); <see cref="SquashFsTables.Absent"/> marks an optional table
/// the file system does not have.</summary>
internal readonly record struct SquashFsLayout(
    ulong BytesUsed, ulong RootInode, ulong IdTable, ulong XattrTable, ulong InodeTable, ulong DirectoryTable,
    ulong FragmentTable, ulong ExportTable, uint Inodes, uint Fragments, ushort Ids);

/// <summary>A metadata block: a 2-byte header (bit 15 set: stored uncompressed; the rest: the stored size, 1 to
/// 8192 bytes) at <see cref="Position"/>, then the stored bytes, which hold at most 8 KiB once decompressed.</summary>
internal readonly record struct MetadataBlock(ulong Position, int Size, bool Compressed)
{
    public const int MaxSize = 8192; // SQUASHFS_METADATA_SIZE

    /// <summary>Where the next block may start: after the header and the stored bytes.</summary>
    public ulong End => Position + 2 + (ulong)Size;
}

/// <summary>Reads inside one SquashFS file system: positions relative to its superblock, never past its
/// <c>bytes_used</c> (which <see cref="SquashFsSuperblock.Read"/> has checked against the file).</summary>
internal sealed class SquashFsReader(Stream stream, long origin, ulong end)
{
    /// <summary>Fills <paramref name="into"/> from <paramref name="position"/>; bytes beyond the file system (or
    /// missing from the file) make <paramref name="table"/> corrupt.</summary>
    public void Read(ulong position, Span<byte> into, string table)
    {
        if (position > end || (ulong)into.Length > end - position) throw SquashFsSuperblock.Corrupt(table);
        stream.Position = origin + (long)position;
        if (stream.ReadAtLeast(into, into.Length, throwOnEndOfStream: false) < into.Length)
            throw SquashFsSuperblock.Corrupt(table);
    }

    /// <summary>The header of the metadata block at <paramref name="position"/>. A stored size of 0 (squashfuse
    /// reads 32 KiB) or above 8 KiB is no block of <paramref name="table"/> (the kernel's block.c refuses
    /// them too).</summary>
    public MetadataBlock Header(ulong position, string table)
    {
        Span<byte> bytes = stackalloc byte[2];
        Read(position, bytes, table);
        ushort header = BinaryPrimitives.ReadUInt16LittleEndian(bytes);
        int size = header & 0x7FFF;
        if (size is 0 or > MetadataBlock.MaxSize) throw SquashFsSuperblock.Corrupt(table);
        return new MetadataBlock(position, size, Compressed: (header & 0x8000) == 0);
    }
}
