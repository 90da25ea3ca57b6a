using System.Buffers.Binary;

namespace HpcRun.Build.SquashFs;

/// <summary>
/// A directory's listing in the directory table (squashfs_fs.h squashfs_dir_header and squashfs_dir_entry;
/// format.adoc "Directory table"), as mksquashfs writes it: entries under headers of at most 256, a new header
/// where the entries' inodes leave the header's inode block or ±32 K of its inode number, and where 8 KiB of
/// listing have passed since the last index point; each such point is an entry of the directory's index, which the
/// kernel and squashfuse use to start a lookup near the name sought (mksquashfs.c add_dir, write_dir).
/// </summary>
/// <param name="Start">Where the listing starts: its metadata block's position in the table (bits 16 up) and the
/// offset in the block (bits 0-15).</param>
/// <param name="Size">The listing's bytes.</param>
/// <param name="Index">Per index point: its header's offset in the listing, the position in the table of the block it
/// starts in, and the name of its first entry.</param>
internal sealed record DirectoryListing(long Start, uint Size, List<(uint Offset, uint Block, byte[] Name)> Index)
{
    private const int MaxRun = 256, EntryBytes = 8; // entries under a header; an entry's bytes before its name

    /// <summary>Writes the listing of <paramref name="entries"/> (sorted, their inodes written) to
    /// <paramref name="table"/>.</summary>
    public static DirectoryListing Write(MetadataWriter table, (byte[] Name, FsNode Node)[] entries,
        Dictionary<FsNode, TreeInode> byNode)
    {
        var bytes = new MemoryStream();
        var field = new BinaryWriter(bytes);
        var points = new List<(int Offset, byte[] Name)>();
        int header = -1, count = 0, point = 0; // where the current header and index point are
        TreeInode? head = null;
        foreach ((byte[] name, FsNode node) in entries)
        {
            TreeInode inode = byNode[node];
            long delta = (long)inode.Number - (head?.Number ?? 0);
            bool pastBlock = header >= 0 && bytes.Length + EntryBytes + name.Length - point > MetadataWriter.BlockSize;
            if (head is null || count == MaxRun || inode.Reference >> 16 != head.Reference >> 16
                || delta is < short.MinValue or > short.MaxValue || pastBlock)
            {
                if (head is not null) Count(bytes, header, count);
                if (pastBlock) points.Add((point = (int)bytes.Length, name));
                (header, head, count, delta) = ((int)bytes.Length, inode, 0, 0);
                field.Write(0u); // count - 1, set once known
                field.Write((uint)(inode.Reference >> 16));
                field.Write(inode.Number);
            }
            field.Write((ushort)inode.Reference);
            field.Write((short)delta);
            field.Write((ushort)InodeTables.BasicType(node));
            field.Write((ushort)(name.Length - 1));
            field.Write(name);
            count++;
        }
        if (head is not null) Count(bytes, header, count);

        var listing = new DirectoryListing(table.Reference, (uint)bytes.Length, []);
        int written = 0;
        foreach ((int offset, byte[] name) in points) // each header's block is the one being filled as it is written
        {
            table.Write(bytes.GetBuffer().AsSpan(written, offset - written));
            listing.Index.Add(((uint)offset, (uint)(table.Reference >> 16), name));
            written = offset;
        }
        table.Write(bytes.GetBuffer().AsSpan(written, (int)bytes.Length - written));
        return listing;
    }

    private static void Count(MemoryStream bytes, int header, int count) =>
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.GetBuffer().AsSpan(header), (uint)count - 1);
}
