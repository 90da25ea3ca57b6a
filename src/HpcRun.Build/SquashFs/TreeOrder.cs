using HpcRun.Image.Text;

namespace HpcRun.Build.SquashFs;

/// <summary>One inode of the file system being written: its node, number (1 up), names (links) and, for a
/// directory, its entries in SquashFS's order and its parent; <see cref="Reference"/> once written.</summary>
internal sealed class TreeInode(FsNode node, uint number)
{
    public FsNode Node { get; } = node;
    public uint Number { get; } = number;
    public uint Links { get; set; } = 1;

    /// <summary>A directory's entries sorted by the bytes of their names (the kernel's and squashfuse's lookups
    /// stop at the first name past the one sought); empty for other nodes.</summary>
    public (byte[] Name, FsNode Node)[] Entries { get; init; } = [];

    /// <summary>A directory's parent, null for the root.</summary>
    public TreeInode? Parent { get; set; }

    /// <summary>Where the inode lies: bits 16-47 its metadata block's position in the inode table, bits 0-15 its
    /// offset in the block (squashfs_fs.h squashfs_inode_t).</summary>
    public long Reference { get; set; }
}

/// <summary>
/// The inodes of a tree in the order they are written: post-order (a directory after everything below it, as its
/// inode needs its listing and its listing its entries' references), entries by the bytes of their names, a node
/// reachable by several names (a hard link) once, at its first name. Inode numbers follow that order, so the root's
/// is the last, the count, and its parent's number the count + 1 as mksquashfs writes it. Iterative: a tree deeper
/// than the stack is fine.
/// </summary>
internal static class TreeOrder
{
    /// <summary>SQUASHFS_NAME_LEN: the longest name, bytes.</summary>
    public const int MaxName = 256;

    /// <summary>The inodes of <paramref name="root"/>'s tree in order, and each node's.</summary>
    /// <exception cref="ArgumentException">A name that is empty or longer than <see cref="MaxName"/> bytes.
    /// </exception>
    public static (List<TreeInode> Order, Dictionary<FsNode, TreeInode> ByNode) Of(FsDirectory root)
    {
        var order = new List<TreeInode>();
        var seen = new Dictionary<FsNode, TreeInode>(ReferenceEqualityComparer.Instance);
        var open = new Stack<(FsDirectory Directory, (byte[] Name, FsNode Node)[] Entries, int Next)>();
        open.Push((root, Sorted(root), 0));
        var waiting = new Stack<List<TreeInode>>(); // per open directory, its subdirectories' inodes once done
        waiting.Push([]);
        while (open.Count > 0)
        {
            (FsDirectory directory, var entries, int next) = open.Pop();
            if (next < entries.Length)
            {
                open.Push((directory, entries, next + 1));
                FsNode node = entries[next].Node;
                if (node is FsDirectory subdirectory)
                {
                    open.Push((subdirectory, Sorted(subdirectory), 0));
                    waiting.Push([]);
                }
                else if (seen.TryGetValue(node, out TreeInode? linked)) linked.Links++;
                else order.Add(seen[node] = new TreeInode(node, (uint)order.Count + 1));
                continue;
            }
            var inode = new TreeInode(directory, (uint)order.Count + 1) { Entries = entries };
            order.Add(seen[directory] = inode);
            foreach (TreeInode child in waiting.Pop()) child.Parent = inode;
            if (waiting.TryPeek(out List<TreeInode>? siblings)) siblings.Add(inode);
        }
        return (order, seen);
    }

    private static (byte[] Name, FsNode Node)[] Sorted(FsDirectory directory)
    {
        var entries = directory.Entries.Select(e => (Name: RawText.Encode(e.Key), Node: e.Value)).ToArray();
        foreach ((byte[] name, _) in entries)
            if (name.Length is 0 or > MaxName)
                throw new ArgumentException($"a directory entry's name is empty or longer than {MaxName} bytes");
        Array.Sort(entries, (a, b) => a.Name.AsSpan().SequenceCompareTo(b.Name));
        return entries;
    }
}
