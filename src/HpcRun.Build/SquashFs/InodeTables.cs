using HpcRun.Image.Text;

namespace HpcRun.Build.SquashFs;

/// <summary>
/// Writes the inode table and the directory table of a tree whose file data is in place (squashfs_fs.h;
/// format.adoc "Inode table", "Directory table"), as mksquashfs lays them out: every inode owned by id 0 (root),
/// basic inodes unless a field needs an extended one (a file of 4 GiB or more, or whose blocks start past 4 GiB,
/// or with more than one name; a directory whose listing has an index or is too long for 16 bits: see
/// <see cref="DirectoryListing"/>). A symbolic link's basic inode has a link count of its own, as mksquashfs uses
/// it.
/// </summary>
internal sealed class InodeTables
{
    private const uint NoFragment = uint.MaxValue, NoXattr = uint.MaxValue; // SQUASHFS_INVALID_FRAG, _XATTR
    private const uint ListingExtra = 3; // a directory's file_size is its listing's size + 3 (mksquashfs, the kernel)

    private readonly MetadataWriter inodes, directories;
    private readonly MemoryStream bytes = new();
    private readonly BinaryWriter field; // little-endian, as every SquashFS field
    private readonly uint count;

    private InodeTables(int level, uint count)
    {
        (inodes, directories, field) = (new(level), new(level), new(bytes));
        this.count = count;
    }

    /// <summary>The tables of the inodes in <paramref name="order"/> (<see cref="TreeOrder.Of"/>), metadata blocks
    /// compressed at zlib <paramref name="level"/>; the root's reference.</summary>
    public static (MemoryStream Inodes, MemoryStream Directories, long Root) Write(List<TreeInode> order,
        Dictionary<FsNode, TreeInode> byNode, int level)
    {
        var tables = new InodeTables(level, (uint)order.Count);
        foreach (TreeInode inode in order)
        {
            inode.Reference = tables.inodes.Reference;
            switch (inode.Node)
            {
                case FsFile file: tables.File(inode, file.Data); break;
                case FsSymlink link: tables.Symlink(inode, RawText.Encode(link.Target)); break;
                default:
                    tables.Directory(inode, DirectoryListing.Write(tables.directories, inode.Entries, byNode));
                    break;
            }
            tables.inodes.Write(tables.bytes.GetBuffer().AsSpan(0, (int)tables.bytes.Length));
            tables.bytes.SetLength(0);
        }
        return (tables.inodes.Finish(), tables.directories.Finish(), order[^1].Reference);
    }

    private void Header(InodeType type, TreeInode inode)
    {
        field.Write((ushort)type);
        field.Write((ushort)(inode.Node.Permissions & 0xFFF)); // 07777: the type is the inode's
        field.Write((ushort)0); // uid and gid: index 0 of the id table
        field.Write((ushort)0);
        field.Write(inode.Node.ModifiedSeconds);
        field.Write(inode.Number);
    }

    private void File(TreeInode inode, FileData data)
    {
        long start = data.Blocks?.Start ?? 0;
        uint fragment = data.Fragment?.Index ?? NoFragment;
        if (inode.Links > 1 || data.Length >= 1L << 32 || start >= 1L << 32)
        {
            Header(InodeType.ExtendedFile, inode);
            field.Write((ulong)start);
            field.Write((ulong)data.Length);
            field.Write(0UL); // sparse: none in a tar's files, as mksquashfs reports a file not sparse on disk
            field.Write(inode.Links);
            field.Write(fragment);
            field.Write((uint)data.FragmentOffset);
            field.Write(NoXattr);
        }
        else
        {
            Header(InodeType.File, inode);
            field.Write((uint)start);
            field.Write(fragment);
            field.Write((uint)data.FragmentOffset);
            field.Write((uint)data.Length);
        }
        foreach (uint size in data.Blocks?.Sizes ?? []) field.Write(size);
    }

    private void Symlink(TreeInode inode, byte[] target)
    {
        Header(InodeType.Symlink, inode);
        field.Write(inode.Links);
        field.Write((uint)target.Length);
        field.Write(target);
    }

    private void Directory(TreeInode inode, DirectoryListing listing)
    {
        uint fileSize = listing.Size + ListingExtra;
        uint links = 2 + (uint)inode.Entries.Count(e => e.Node is FsDirectory);
        uint parent = inode.Parent?.Number ?? count + 1;
        uint block = (uint)(listing.Start >> 16);
        ushort offset = (ushort)listing.Start;
        if (fileSize > ushort.MaxValue || listing.Index.Count > 0)
        {
            Header(InodeType.ExtendedDirectory, inode);
            field.Write(links);
            field.Write(fileSize);
            field.Write(block);
            field.Write(parent);
            field.Write((ushort)listing.Index.Count);
            field.Write(offset);
            field.Write(NoXattr);
            foreach ((uint at, uint start, byte[] name) in listing.Index) // squashfs_dir_index
            {
                field.Write(at);
                field.Write(start);
                field.Write((uint)name.Length - 1);
                field.Write(name);
            }
        }
        else
        {
            Header(InodeType.Directory, inode);
            field.Write(block);
            field.Write(links);
            field.Write((ushort)fileSize);
            field.Write(offset);
            field.Write(parent);
        }
    }

    /// <summary>The basic type of <paramref name="node"/>'s inode, which directory entries carry.</summary>
    public static ushort BasicType(FsNode node) => (ushort)(node switch
    {
        FsFile => InodeType.File,
        FsSymlink => InodeType.Symlink,
        _ => InodeType.Directory,
    });

    /// <summary>squashfs_fs.h's inode types hpcrun writes (directory entries carry the basic ones).</summary>
    private enum InodeType : ushort
    {
        Directory = 1, File = 2, Symlink = 3, ExtendedDirectory = 8, ExtendedFile = 9,
    }
}
