using System.Runtime.InteropServices;

namespace HpcRun.Apply.SquashFuse;

/// <summary>
/// FUSE open, opendir, read and readdir for a read-only image that needs no state per open
/// file: open and opendir answer ENOSYS, which the kernel takes as "never ask again" (its
/// no_open and no_opendir, FUSE protocol 7.27 and 7.29, older than the fsmount of Linux 5.2 that
/// hpcrun mounts with), so a file read costs no OPEN and RELEASE round trips, and a directory no
/// OPENDIR and RELEASEDIR. Such files keep their page cache between opens and directories their
/// listing (the kernel's defaults for them: FOPEN_KEEP_CACHE, FOPEN_CACHE_DIR). Read and readdir then find
/// the inode from its number, as getattr does, and hand it to squashfuse's own read and readdir
/// where its open and opendir would have left it (fuse_file_info.fh). Writes never get this far:
/// the mount is read-only.
/// </summary>
internal static unsafe class OpenlessOperations
{
    private const int ENOSYS = 38;
    /// <summary>Room for a sqfs_ll_i: the sqfs_ll pointer, then a sqfs_inode (under 200 bytes in 0.1.105).</summary>
    private const int InodeRoom = 512;
    /// <summary>Where fuse_file_info.fh lies (flags, then a word of bit fields, padding, fh).</summary>
    private const int FileHandleField = 16;

    private static delegate* unmanaged<nint, int, int> replyError;             // fuse_reply_err(req, errno)
    private static delegate* unmanaged<nint, byte*, ulong, int> inodeOf;       // sqfs_ll_iget(req, sqfs_ll_i*, ino)
    private static delegate* unmanaged<nint, ulong, nuint, long, byte*, void> read;    // sqfs_ll_op_read
    private static delegate* unmanaged<nint, ulong, nuint, long, byte*, void> readdir; // sqfs_ll_op_readdir

    /// <summary>The operations (address, struct fuse_lowlevel_ops slot) that stand in for squashfuse's
    /// open, read, release, opendir, readdir and releasedir; the library's read and readdir, and
    /// libfuse's fuse_reply_err, are what they call.</summary>
    public static (nint Address, int Slot)[] Bind(nint squashfuse, nint fuse)
    {
        replyError = (delegate* unmanaged<nint, int, int>)NativeLibrary.GetExport(fuse, "fuse_reply_err");
        inodeOf = (delegate* unmanaged<nint, byte*, ulong, int>)NativeLibrary.GetExport(squashfuse, "sqfs_ll_iget");
        read = (delegate* unmanaged<nint, ulong, nuint, long, byte*, void>)
            NativeLibrary.GetExport(squashfuse, "sqfs_ll_op_read");
        readdir = (delegate* unmanaged<nint, ulong, nuint, long, byte*, void>)
            NativeLibrary.GetExport(squashfuse, "sqfs_ll_op_readdir");
        nint notImplemented = (nint)(delegate* unmanaged<nint, ulong, byte*, void>)&NotImplemented;
        return [(notImplemented, 14), ((nint)(delegate* unmanaged<nint, ulong, nuint, long, byte*, void>)&Read, 15),
            (notImplemented, 20), ((nint)(delegate* unmanaged<nint, ulong, nuint, long, byte*, void>)&Readdir, 21)];
    }

    [UnmanagedCallersOnly]
    private static void NotImplemented(nint request, ulong inode, byte* file) => replyError(request, ENOSYS);

    [UnmanagedCallersOnly]
    private static void Read(nint request, ulong inode, nuint size, long offset, byte* file)
    {
        byte* found = stackalloc byte[InodeRoom];
        if (inodeOf(request, found, inode) != 0) return; // sqfs_ll_iget replied ENOENT
        *(nint*)(file + FileHandleField) = (nint)(found + sizeof(nint)); // open's sqfs_inode
        read(request, inode, size, offset, file);
    }

    [UnmanagedCallersOnly]
    private static void Readdir(nint request, ulong inode, nuint size, long offset, byte* file)
    {
        byte* found = stackalloc byte[InodeRoom];
        if (inodeOf(request, found, inode) != 0) return;
        *(nint*)(file + FileHandleField) = (nint)found; // opendir's sqfs_ll_i
        readdir(request, inode, size, offset, file);
    }
}
