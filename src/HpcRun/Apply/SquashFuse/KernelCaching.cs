using System.Runtime.InteropServices;

namespace HpcRun.Apply.SquashFuse;

/// <summary>
/// What hpcrun asks of the kernel's FUSE client as the connection starts (libfuse's init operation, on
/// its struct fuse_conn_info of 3.14), for an image that never changes while it is served: symbolic links
/// kept in the page cache like file contents (FUSE_CAP_CACHE_SYMLINKS, protocol 7.28), so a link followed
/// again, as /lib or /bin of a merged-/usr image are by every exec, costs no READLINK; and no comparison
/// of cached data with each new mtime (FUSE_CAP_AUTO_INVAL_DATA, on by default in libfuse), which has
/// nothing to find here. Names and attributes already never expire: squashfuse answers lookups and
/// getattrs with infinite timeouts.
/// </summary>
internal static unsafe class KernelCaching
{
    /// <summary>fuse_conn_info: proto_major, proto_minor, max_write, max_read, max_readahead, capable, want
    /// (unsigned each).</summary>
    private const int CapableField = 20, WantField = 24;
    private const uint AutoInvalidateData = 1 << 12, CacheSymlinks = 1 << 23;

    /// <summary>The init operation (struct fuse_lowlevel_ops slot 0).</summary>
    public static (nint Address, int Slot) Bind() => ((nint)(delegate* unmanaged<nint, byte*, void>)&Init, 0);

    /// <summary>void init(void *userdata, struct fuse_conn_info *conn): runs once, at FUSE_INIT.</summary>
    [UnmanagedCallersOnly]
    private static void Init(nint userdata, byte* connection)
    {
        uint capable = *(uint*)(connection + CapableField);
        uint* want = (uint*)(connection + WantField);
        *want = (*want & ~AutoInvalidateData) | (capable & CacheSymlinks);
    }
}
