using System.Runtime.InteropServices;

namespace HpcRun.Apply.SquashFuse;

/// <summary>
/// FUSE readdirplus, which squashfuse 0.1.105 lacks: a directory's listing carries each entry's
/// attributes and inode number as its lookup would give them (infinite timeouts: the image never
/// changes), and the kernel enters them in its dentry cache, so a job that lists a directory and then
/// opens, stats or runs what is in it (find, ls -l, a module loader scanning its path) sends no LOOKUP
/// for those names. The kernel counts each entry it is handed as one lookup of the inode (a FORGET
/// gives it back), so each entry sent is registered with squashfuse as its lookup registers one. The kernel
/// asks for it for a directory's first batch of entries and, after lookups in that directory, for the
/// rest (FUSE_READDIRPLUS_AUTO, libfuse's default; asking always made no measurable difference).
/// Reads squashfuse's struct sqfs_ll, so <see cref="SquashFuseServer"/> serves it only after checking
/// the library's layout.
/// </summary>
internal static unsafe class ListingWithAttributes
{
    private const int EIO = 5, EINVAL = 22;
    /// <summary>Room for a sqfs_ll_i (the sqfs_ll pointer, then a sqfs_inode), a sqfs_inode, a sqfs_dir and a
    /// sqfs_dir_entry: each under 200 bytes in 0.1.105.</summary>
    private const int Room = 512;
    /// <summary>sqfs_name: SQUASHFS_NAME_LEN + 1.</summary>
    private const int NameRoom = 257;
    /// <summary>struct sqfs_ll after its struct sqfs (392 bytes): ino_fuse, ino_sqfs, ino_register, ino_forget,
    /// ino_fuse_num.</summary>
    private const int RegisterField = 408, NumberField = 424;
    /// <summary>struct fuse_entry_param: ino, generation, struct stat attr (st_ino at 8), attr_timeout,
    /// entry_timeout.</summary>
    private const int EntrySize = 176, AttributesField = 16, InodeNumberField = AttributesField + 8,
        AttributeTimeoutField = 160, EntryTimeoutField = 168;

    // libfuse: fuse_reply_err(req, errno), fuse_reply_buf(req, buf, size),
    // fuse_add_direntry_plus(req, buf, bufsize, name, const struct fuse_entry_param*, off).
    private static delegate* unmanaged<nint, int, int> replyError;
    private static delegate* unmanaged<nint, byte*, nuint, int> replyBuffer;
    private static delegate* unmanaged<nint, byte*, nuint, byte*, byte*, long, nuint> addEntry;
    // squashfuse: sqfs_ll_iget(req, sqfs_ll_i*, ino), sqfs_dir_open(fs, inode, dir, off),
    // sqfs_dentry_init(entry, namebuf), sqfs_dir_next(fs, dir, entry, &err), sqfs_dentry_inode(entry),
    // sqfs_dentry_name(entry), sqfs_dentry_next_offset(entry), sqfs_inode_get(fs, inode, id),
    // sqfs_stat(fs, inode, struct stat*).
    private static delegate* unmanaged<nint, byte*, ulong, int> inodeOf;
    private static delegate* unmanaged<byte*, byte*, byte*, long, int> openDirectory;
    private static delegate* unmanaged<byte*, byte*, void> entryInit;
    private static delegate* unmanaged<byte*, byte*, byte*, int*, byte> next;
    private static delegate* unmanaged<byte*, ulong> entryInode;
    private static delegate* unmanaged<byte*, byte*> entryName;
    private static delegate* unmanaged<byte*, long> entryNextOffset;
    private static delegate* unmanaged<byte*, byte*, ulong, int> inodeGet;
    private static delegate* unmanaged<byte*, byte*, byte*, int> stat;

    /// <summary>Whether <paramref name="ll"/>, a struct sqfs_ll that sqfs_ll_init filled, has its inode
    /// functions where this class reads them.</summary>
    public static bool Fits(byte* ll) => *(nint*)(ll + RegisterField) != 0 && *(nint*)(ll + NumberField) != 0;

    /// <summary>The readdirplus operation (struct fuse_lowlevel_ops slot 41).</summary>
    public static (nint Address, int Slot) Bind(nint squashfuse, nint fuse)
    {
        nint Fuse(string name) => NativeLibrary.GetExport(fuse, name);
        nint Squashfs(string name) => NativeLibrary.GetExport(squashfuse, name);
        replyError = (delegate* unmanaged<nint, int, int>)Fuse("fuse_reply_err");
        replyBuffer = (delegate* unmanaged<nint, byte*, nuint, int>)Fuse("fuse_reply_buf");
        addEntry = (delegate* unmanaged<nint, byte*, nuint, byte*, byte*, long, nuint>)Fuse("fuse_add_direntry_plus");
        inodeOf = (delegate* unmanaged<nint, byte*, ulong, int>)Squashfs("sqfs_ll_iget");
        openDirectory = (delegate* unmanaged<byte*, byte*, byte*, long, int>)Squashfs("sqfs_dir_open");
        entryInit = (delegate* unmanaged<byte*, byte*, void>)Squashfs("sqfs_dentry_init");
        next = (delegate* unmanaged<byte*, byte*, byte*, int*, byte>)Squashfs("sqfs_dir_next");
        entryInode = (delegate* unmanaged<byte*, ulong>)Squashfs("sqfs_dentry_inode");
        entryName = (delegate* unmanaged<byte*, byte*>)Squashfs("sqfs_dentry_name");
        entryNextOffset = (delegate* unmanaged<byte*, long>)Squashfs("sqfs_dentry_next_offset");
        inodeGet = (delegate* unmanaged<byte*, byte*, ulong, int>)Squashfs("sqfs_inode_get");
        stat = (delegate* unmanaged<byte*, byte*, byte*, int>)Squashfs("sqfs_stat");
        return ((nint)(delegate* unmanaged<nint, ulong, nuint, long, byte*, void>)&ReaddirPlus, 41);
    }

    /// <summary>void readdirplus(req, ino, size, off, fi): the entries after <paramref name="offset"/> (0, or
    /// the offset of the entry after the last one sent) that fit in <paramref name="size"/> bytes; an empty
    /// reply at the end. A listing that fails part way returns the entries read so far; the next call
    /// reports the error.</summary>
    [UnmanagedCallersOnly]
    private static void ReaddirPlus(nint request, ulong inode, nuint size, long offset, byte* file)
    {
        byte* directory = stackalloc byte[Room];
        if (inodeOf(request, directory, inode) != 0) return; // sqfs_ll_iget replied ENOENT
        byte* ll = *(byte**)directory, fs = ll; // struct sqfs is sqfs_ll's first member
        byte* cursor = stackalloc byte[Room];
        if (openDirectory(fs, directory + sizeof(nint), cursor, offset) != 0)
        {
            replyError(request, EINVAL);
            return;
        }
        byte* entry = stackalloc byte[Room], name = stackalloc byte[NameRoom], child = stackalloc byte[Room];
        byte* found = stackalloc byte[EntrySize];
        entryInit(entry, name);
        byte* buffer = (byte*)NativeMemory.Alloc(size);
        nuint used = 0;
        int error = 0;
        while (next(fs, cursor, entry, &error) != 0)
        {
            NativeMemory.Clear(found, EntrySize);
            if (inodeGet(fs, child, entryInode(entry)) != 0 || stat(fs, child, found + AttributesField) != 0)
            {
                error = EIO;
                break;
            }
            ulong number = ((delegate* unmanaged<byte*, byte*, ulong>)*(nint*)(ll + NumberField))(ll, entry);
            *(ulong*)found = *(ulong*)(found + InodeNumberField) = number;
            *(double*)(found + AttributeTimeoutField) = *(double*)(found + EntryTimeoutField) = double.MaxValue;
            nuint needed = addEntry(request, buffer + used, size - used, entryName(entry), found,
                entryNextOffset(entry));
            if (needed > size - used) break;
            ((delegate* unmanaged<byte*, byte*, ulong>)*(nint*)(ll + RegisterField))(ll, entry);
            used += needed;
        }
        if (error != 0 && used == 0) replyError(request, EIO);
        else replyBuffer(request, buffer, used);
        NativeMemory.Free(buffer);
    }
}
