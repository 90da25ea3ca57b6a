using System.Runtime.InteropServices;

namespace HpcRun.Apply.SquashFuse;

/// <summary>
/// FUSE readdirplus, which squashfuse 0.1.105 lacks: a directory's listing carries each entry's
/// attributes and inode number as its lookup would give them (infinite timeouts: the image never
/// changes), and the kernel enters them in its dentry cache, so a job that lists a directory and then
/// opens, stats or runs what is in it (find, ls -l, a module loader scanning its path) sends no LOOKUP
/// for those names. The kernel counts each entry it is handed as one lookup of the inode (a FORGET
/// gives it back), so each entry sent is registered with squashfuse as its lookup registers one.
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

    private static delegate* unmanaged<nint, int, int> replyError;                  // fuse_reply_err(req, errno)
    private static delegate* unmanaged<nint, byte*, nuint, int> replyBuffer;        // fuse_reply_buf(req, buf, size)
    // fuse_add_direntry_plus(req, buf, bufsize, name, const struct fuse_entry_param*, off)
    private static delegate* unmanaged<nint, byte*, nuint, byte*, byte*, long, nuint> addEntry;
    private static delegate* unmanaged<nint, byte*, ulong, int> inodeOf;            // sqfs_ll_iget(req, sqfs_ll_i*, ino)
    private static delegate* unmanaged<byte*, byte*, byte*, long, int> openDirectory; // sqfs_dir_open(fs, inode, dir, off)
    private static delegate* unmanaged<byte*, byte*, void> entryInit;               // sqfs_dentry_init(entry, namebuf)
    private static delegate* unmanaged<byte*, byte*, byte*, int*, byte> next;       // sqfs_dir_next(fs, dir, entry, &err)
    private static delegate* unmanaged<byte*, ulong> entryInode;                    // sqfs_dentry_inode(entry)
    private static delegate* unmanaged<byte*, byte*> entryName;                     // sqfs_dentry_name(entry)
    private static delegate* unmanaged<byte*, long> entryNextOffset;                // sqfs_dentry_next_offset(entry)
    private static delegate* unmanaged<byte*, byte*, ulong, int> inodeGet;          // sqfs_inode_get(fs, inode, id)
    private static delegate* unmanaged<byte*, byte*, byte*, int> stat;              // sqfs_stat(fs, inode, struct stat*)

    /// <summary>Whether <paramref name="ll"/>, a struct sqfs_ll that sqfs_ll_init filled, has its inode
    /// functions where this class reads them.</summary>
    public static bool Fits(byte* ll) => *(nint*)(ll + RegisterField) != 0 && *(nint*)(ll + NumberField) != 0;

    /// <summary>The readdirplus operation (struct fuse_lowlevel_ops slot 41).</summary>
    public static (nint Address, int Slot) Bind(nint squashfuse, nint fuse)
    {
        replyError = (delegate* unmanaged<nint, int, int>)NativeLibrary.GetExport(fuse, "fuse_reply_err");
        replyBuffer = (delegate* unmanaged<nint, byte*, nuint, int>)NativeLibrary.GetExport(fuse, "fuse_reply_buf");
        addEntry = (delegate* unmanaged<nint, byte*, nuint, byte*, byte*, long, nuint>)
            NativeLibrary.GetExport(fuse, "fuse_add_direntry_plus");
        inodeOf = (delegate* unmanaged<nint, byte*, ulong, int>)NativeLibrary.GetExport(squashfuse, "sqfs_ll_iget");
        openDirectory = (delegate* unmanaged<byte*, byte*, byte*, long, int>)
            NativeLibrary.GetExport(squashfuse, "sqfs_dir_open");
        entryInit = (delegate* unmanaged<byte*, byte*, void>)NativeLibrary.GetExport(squashfuse, "sqfs_dentry_init");
        next = (delegate* unmanaged<byte*, byte*, byte*, int*, byte>)NativeLibrary.GetExport(squashfuse, "sqfs_dir_next");
        entryInode = (delegate* unmanaged<byte*, ulong>)NativeLibrary.GetExport(squashfuse, "sqfs_dentry_inode");
        entryName = (delegate* unmanaged<byte*, byte*>)NativeLibrary.GetExport(squashfuse, "sqfs_dentry_name");
        entryNextOffset = (delegate* unmanaged<byte*, long>)
            NativeLibrary.GetExport(squashfuse, "sqfs_dentry_next_offset");
        inodeGet = (delegate* unmanaged<byte*, byte*, ulong, int>)NativeLibrary.GetExport(squashfuse, "sqfs_inode_get");
        stat = (delegate* unmanaged<byte*, byte*, byte*, int>)NativeLibrary.GetExport(squashfuse, "sqfs_stat");
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
