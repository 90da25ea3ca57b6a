using System.Runtime.InteropServices;

namespace HpcRun.Apply.SquashFuse;

/// <summary>
/// libsquashfuse_ll, the library squashfuse_ll and Charliecloud's ch-run are built on, and the
/// libfuse3 it links: loaded by hpcrun only when it serves a SquashFS image, so a directory
/// image never pays for them. Entry points are looked up by name (the library ships no
/// stable C# binding); the structure offsets are those of squashfuse 0.1.105's headers and
/// are checked against the live structure before anything is written to it
/// (<see cref="SquashFuseServer"/>).
/// </summary>
internal sealed unsafe class SquashFuseLibrary
{
    public const string SoName = "libsquashfuse_ll.so.0";
    private const string FuseSoName = "libfuse3.so.3";

    /// <summary>The squashfuse_ll operations, at their places in libfuse's struct fuse_lowlevel_ops
    /// (an append-only table of function pointers; these places are fixed since libfuse 3.0). "stfs_ll_op_statfs"
    /// is how libsquashfuse_ll itself spells that export. Open, read, opendir and readdir are
    /// <see cref="OpenlessOperations"/>, which have no release or releasedir to call; init is
    /// <see cref="KernelCaching"/>.</summary>
    private static readonly (string Export, int Slot)[] Operations =
    [
        ("sqfs_ll_op_lookup", 2), ("sqfs_ll_op_forget", 3), ("sqfs_ll_op_getattr", 4), ("sqfs_ll_op_readlink", 6),
        ("stfs_ll_op_statfs", 24), ("sqfs_ll_op_getxattr", 26), ("sqfs_ll_op_listxattr", 27),
        ("sqfs_ll_op_create", 30),
    ];

    /// <summary>sizeof(struct fuse_lowlevel_ops) in libfuse 3.14: 44 pointers. A newer libfuse takes
    /// a shorter table as it is; an older one warns and ignores the tail.</summary>
    public const int OperationSlots = 44;

    public readonly delegate* unmanaged<void*, int, nuint, int> Init;            // sqfs_init(sqfs*, fd, offset)
    public readonly delegate* unmanaged<void*, int> LowLevelInit;                // sqfs_ll_init(sqfs_ll*)
    public readonly delegate* unmanaged<int, nint> DecompressorFor;              // sqfs_decompressor_get(compression)
    public readonly delegate* unmanaged<void*, void> CacheDestroy;               // sqfs_cache_destroy(sqfs_cache*)
    public readonly delegate* unmanaged<void*, nuint, int> BlockCacheInit; // sqfs_block_cache_init(sqfs_cache*, count)
    public readonly delegate* unmanaged<FuseArgs*, nint*, nuint, void*, nint> SessionNew; // fuse_session_new
    public readonly delegate* unmanaged<nint, byte*, int> SessionMount;          // fuse_session_mount(se, "/dev/fd/N")
    public readonly delegate* unmanaged<nint, int> SessionLoop;                  // fuse_session_loop(se)
    private readonly (nint Address, int Slot)[] operations;
    private readonly (nint Address, int Slot) listing;

    private SquashFuseLibrary(nint squashfuse, nint fuse)
    {
        Init = (delegate* unmanaged<void*, int, nuint, int>)NativeLibrary.GetExport(squashfuse, "sqfs_init");
        LowLevelInit = (delegate* unmanaged<void*, int>)NativeLibrary.GetExport(squashfuse, "sqfs_ll_init");
        DecompressorFor = (delegate* unmanaged<int, nint>)NativeLibrary.GetExport(squashfuse, "sqfs_decompressor_get");
        CacheDestroy = (delegate* unmanaged<void*, void>)NativeLibrary.GetExport(squashfuse, "sqfs_cache_destroy");
        BlockCacheInit = (delegate* unmanaged<void*, nuint, int>)
            NativeLibrary.GetExport(squashfuse, "sqfs_block_cache_init");
        SessionNew = (delegate* unmanaged<FuseArgs*, nint*, nuint, void*, nint>)
            NativeLibrary.GetExport(fuse, "fuse_session_new");
        SessionMount = (delegate* unmanaged<nint, byte*, int>)NativeLibrary.GetExport(fuse, "fuse_session_mount");
        SessionLoop = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(fuse, "fuse_session_loop");
        operations = [.. Operations.Select(op => (NativeLibrary.GetExport(squashfuse, op.Export), op.Slot)),
            .. OpenlessOperations.Bind(squashfuse, fuse), KernelCaching.Bind()];
        listing = ListingWithAttributes.Bind(squashfuse, fuse);
    }

    /// <summary>struct fuse_args.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct FuseArgs
    {
        public int Argc;
        public byte** Argv;
        public int Allocated;
    }

    /// <summary>Fills a struct fuse_lowlevel_ops of <see cref="OperationSlots"/> pointers; readdirplus
    /// (<see cref="ListingWithAttributes"/>) only when asked, on a library laid out as it expects.</summary>
    public void FillOperations(Span<nint> table, bool listingWithAttributes)
    {
        table.Clear();
        foreach (var (address, slot) in operations) table[slot] = address;
        if (listingWithAttributes) table[listing.Slot] = listing.Address;
    }

    private static readonly Lazy<(SquashFuseLibrary? Library, string? Error)> loaded = new(Load);

    /// <summary>The loaded library, or why it cannot be loaded (one line, naming the package).</summary>
    public static SquashFuseLibrary? TryGet(out string? error)
    {
        (SquashFuseLibrary? library, error) = loaded.Value;
        return library;
    }

    private static (SquashFuseLibrary?, string?) Load()
    {
        if (!NativeLibrary.TryLoad(SoName, out nint squashfuse))
            return (null, $"{SoName} cannot be loaded: install the squashfuse package " +
                "(Debian/Ubuntu: apt install squashfuse, which brings libsquashfuse0)");
        try { return (new SquashFuseLibrary(squashfuse, NativeLibrary.Load(FuseSoName)), null); }
        // .NET's text for these ("Unable to load shared library ... or one of its dependencies. In order to help
        // diagnose loading problems, consider ...") is not for users: which library, and what to install.
        catch (DllNotFoundException)
        {
            return (null, $"{FuseSoName} cannot be loaded: install the fuse3 package (Debian/Ubuntu: libfuse3-3)");
        }
        catch (EntryPointNotFoundException)
        {
            return (null, $"{SoName} lacks what hpcrun needs: install squashfuse 0.1.104 or newer");
        }
    }
}
