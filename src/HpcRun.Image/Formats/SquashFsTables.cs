using System.Buffers.Binary;

namespace HpcRun.Image.Formats;

/// <summary>
/// Checks where a SquashFS superblock places its tables, as squashfuse 0.1.105 will use them. mksquashfs and
/// squashfs-tools-ng write them in this order, each ending where the next begins: inode table, directory table,
/// fragment table, export (inode lookup) table, id table, xattr tables, then <c>bytes_used</c>. Like the kernel's
/// squashfs_fill_super (fs/squashfs/super.c), the tables are checked from the last: each must end where the one
/// after it begins, which also orders them. On top of the kernel's checks, for squashfuse: the inode and
/// directory tables are walked block by block (squashfuse follows them from the superblock's starts, and a
/// start that is off by one reads garbage headers), the root inode must lie inside its block (fs.c
/// sqfs_md_read copies from block + offset unchecked), and a fragment count of 0 must come with no fragment
/// table (squashfuse then has no table to look fragments up in: a file with one segfaults it).
/// </summary>
internal static class SquashFsTables
{
    /// <summary>SQUASHFS_INVALID_BLK: an optional table (fragments, export, xattrs) that is not there.</summary>
    public const ulong Absent = ulong.MaxValue;
    private const ulong MaxBlockSpan = MetadataBlock.MaxSize + 2; // one block and its header (kernel: + BLOCK_OFFSET)
    private const ulong Start = SquashFsSuperblock.Size; // no table lies in the superblock

    /// <exception cref="ImageFormatException">A table out of place, or one that is not what it should be.</exception>
    public static void Check(SquashFsLayout sb, SquashFsReader reader)
    {
        ulong next = sb.BytesUsed; // where the table being checked must end
        if (sb.XattrTable != Absent) next = XattrTables(sb, reader, next);
        next = Index(reader, "id table", sb.IdTable, sb.Ids * 4UL, next)[0]; // 32-bit ids
        if (sb.ExportTable != Absent) next = Index(reader, "export table", sb.ExportTable, sb.Inodes * 8UL, next)[0];
        if (sb.Fragments > 0) // 16-byte entries: a block's position and size
            next = Index(reader, "fragment table", sb.FragmentTable, sb.Fragments * 16UL, next, exact: false)[0];
        else if (sb.FragmentTable != Absent && sb.FragmentTable != next) // squashfs-tools-ng: absent; mksquashfs:
            throw Corrupt("fragment table");                                // where the index would begin
        if (sb.InodeTable < Start || sb.InodeTable >= sb.DirectoryTable)
            throw Corrupt("inode table");
        if (sb.DirectoryTable > next) throw Corrupt("directory table"); // empty for an empty root
        Walk(reader, "directory table", sb.DirectoryTable, next, target: Absent);
        RootInode(sb, reader);
    }

    /// <summary>The index of a table of <paramref name="entryBytes"/> bytes of entries (table.c sqfs_table_init;
    /// the kernel's id.c, export.c, fragment.c, xattr_id.c): ceil(entryBytes / 8 KiB) 64-bit positions, stored
    /// uncompressed at <paramref name="start"/>, that fill the room up to <paramref name="next"/>
    /// (<paramref name="exact"/>ly, or within it as the kernel allows the fragment index), of metadata blocks that
    /// lie in order below <paramref name="blocksEnd"/> (default: <paramref name="start"/>), each whole before the
    /// next and at most a block apart. Returns the positions: the first is where this table's blocks begin.</summary>
    private static ulong[] Index(SquashFsReader reader, string table, ulong start, ulong entryBytes, ulong next,
        bool exact = true, ulong? blocksEnd = null)
    {
        ulong length = (entryBytes + MetadataBlock.MaxSize - 1) / MetadataBlock.MaxSize * 8;
        // No entry at all: squashfuse keeps no index and dereferences NULL at the first look-up.
        bool fits = start >= Start && start <= next && (exact ? next - start == length : next - start >= length);
        if (entryBytes == 0 || !fits) throw Corrupt(table);
        byte[] bytes = new byte[length]; // 64 MiB at most (2^32 fragments), and only when the image has the room
        reader.Read(start, bytes, table);
        var blocks = new ulong[length / 8];
        for (int i = 0; i < blocks.Length; i++)
            blocks[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * 8));
        for (int i = 0; i < blocks.Length; i++)
        {
            ulong end = i + 1 < blocks.Length ? blocks[i + 1] : blocksEnd ?? start;
            if (blocks[i] < Start || blocks[i] >= end || end - blocks[i] > MaxBlockSpan
                || reader.Header(blocks[i], table).End > end)
                throw Corrupt(table);
        }
        return blocks;
    }

    /// <summary>The xattr id table (xattr.c sqfs_xattr_init, the kernel's xattr_id.c): at its start a 16-byte
    /// header, the position of the xattr key/value blocks and the count of ids, then the index of the ids
    /// (16 bytes each) up to <paramref name="next"/>. Returns where the key/value blocks begin.</summary>
    private static ulong XattrTables(SquashFsLayout sb, SquashFsReader reader, ulong next)
    {
        const string table = "xattr table";
        const int headerSize = 16;
        if (sb.XattrTable < Start || sb.XattrTable > next - headerSize)
            throw Corrupt(table);
        Span<byte> header = stackalloc byte[headerSize];
        reader.Read(sb.XattrTable, header, table);
        ulong keysAndValues = BinaryPrimitives.ReadUInt64LittleEndian(header);
        uint ids = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        ulong[] blocks = Index(reader, table, sb.XattrTable + headerSize, ids * 16UL, next, blocksEnd: sb.XattrTable);
        if (keysAndValues < Start || keysAndValues >= blocks[0]) throw Corrupt(table);
        return keysAndValues;
    }

    /// <summary>The root inode reference: bits 16-47 the position of its metadata block in the inode table,
    /// bits 0-15 its offset in the decompressed block. squashfuse reads the inode from there (fs.c sqfs_inode_get)
    /// and copies from block + offset whatever the block's size: the block must be one of the table's and the
    /// offset inside it (an uncompressed block's size is known here; a compressed one holds at most 8 KiB).</summary>
    private static void RootInode(SquashFsLayout sb, SquashFsReader reader)
    {
        ulong block = sb.RootInode >> 16;
        int offset = (int)(sb.RootInode & 0xFFFF);
        ulong target = block < sb.DirectoryTable - sb.InodeTable ? sb.InodeTable + block : Absent;
        MetadataBlock? root = Walk(reader, "inode table", sb.InodeTable, sb.DirectoryTable, target);
        if (root is not { } found || offset >= (found.Compressed ? MetadataBlock.MaxSize : found.Size))
            throw Corrupt("root inode");
    }

    /// <summary>Follows the metadata blocks of a table from <paramref name="start"/>: they must fill it up to
    /// <paramref name="end"/> exactly. Returns the block at <paramref name="target"/>, if one starts there. One
    /// 2-byte read a block: 2 for busybox's inode table, 28 for a Debian base system's (6,800 files).</summary>
    private static MetadataBlock? Walk(SquashFsReader reader, string table, ulong start, ulong end, ulong target)
    {
        MetadataBlock? found = null;
        for (ulong at = start; at < end;)
        {
            MetadataBlock block = reader.Header(at, table);
            if (block.End > end) throw Corrupt(table);
            if (at == target) found = block;
            at = block.End;
        }
        return found;
    }

    private static ImageFormatException Corrupt(string table) => SquashFsSuperblock.Corrupt(table);
}
