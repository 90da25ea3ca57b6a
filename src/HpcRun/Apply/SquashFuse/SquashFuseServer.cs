using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using HpcRun.Image;
using HpcRun.Image.Registry;
using HpcRun.Launch;
using HpcRun.Native;
using Serilog;
using Serilog.Events;

namespace HpcRun.Apply.SquashFuse;

/// <summary>
/// Serves a SquashFS image on a FUSE connection from a thread of hpcrun, with libsquashfuse_ll's
/// own operations, as ch-run does: no daemon to exec, link and reap, and the image is open
/// and checked before anything is mounted. The thread lives as long as hpcrun, which outlives
/// every process that can reach the mount (the job, node-sharing members).
///
/// Two settings of squashfuse 0.1.105 cost most of a job's start and are changed here, in the
/// library's own structure once it is checked to be laid out as that version's headers say:
/// its data and fragment caches hold one and three blocks, so the kernel's read-ahead, whose
/// requests straddle block boundaries, made it decompress most blocks twice (34
/// decompressions where 16 blocks exist, for busybox; an image stored uncompressed keeps squashfuse's
/// own, since re-reading its blocks costs less than the fresh memory a larger cache takes); and gzip
/// blocks go through libdeflate (<see cref="DeflateBlocks"/>). With another layout the library serves
/// with its own settings.
/// </summary>
internal static unsafe partial class SquashFuseServer
{
    // struct sqfs of squashfuse 0.1.105 (fs.h, cache.h, squashfs_fs.h), in bytes.
    private const int SuperBlock = 16, MagicField = SuperBlock, BlockSizeField = SuperBlock + 12,
        CompressionField = SuperBlock + 20, FlagsField = SuperBlock + 24;
    /// <summary>Superblock flags (squashfs_fs.h): data blocks, fragment blocks stored uncompressed
    /// (mksquashfs -noD, -noF).</summary>
    private const ushort UncompressedData = 1 << 1, UncompressedFragments = 1 << 3;
    private const int MetadataCache = 160, DataCache = 208, FragmentCache = 256, DecompressorField = 352,
        CacheCountField = 32;
    private const uint SquashFsMagic = 0x73717368;
    private const int ZlibCompression = 1;
    /// <summary>sizeof(struct sqfs_ll) is 448 in 0.1.105; the rest is room for a later version's.</summary>
    private const int LowLevelAllocation = 4096;
    /// <summary>Decompressed blocks kept per cache (data, fragments): enough for the files a job starts with.</summary>
    private const long CacheBytes = 8 << 20;
    /// <summary>Metadata blocks (8 KiB: inodes, directories) kept; squashfuse's 8 were re-read while a Debian
    /// image started.</summary>
    private const int MetadataBlocks = 128;
    /// <summary>A metadata block's size when decompressed (squashfs_fs.h: SQUASHFS_METADATA_SIZE).</summary>
    private const int MetadataBlockSize = 8192;

    private static ServingThread? early;
    /// <summary>Unset while a serving thread binds its libraries: see <see cref="AwaitLibraries"/>.</summary>
    private static readonly ManualResetEventSlim librariesBound = new(initialState: true);

    /// <summary>Waits until a serving thread being set up has bound its libraries (or failed to). Another
    /// thread's dlopen holds glibc's loader lock for all of its own: a launch's tag check, which loads libssl and
    /// libcrypto, calls this first, or the mount waits behind that whole load.</summary>
    public static void AwaitLibraries() => librariesBound.Wait();

    /// <summary>When the image argument (as early.c found it) names a SquashFS or SIF file, or is a docker://
    /// reference (whose image is usually a SIF of the cache), starts the serving thread at once, so that its set-up
    /// (memory, seven libraries) overlaps the parsing of the command line. Only a hint: a wrong guess leaves an idle
    /// thread. The job's arguments are never looked at: they may name input files on a parallel file system, which
    /// every rank would open. Not for a launcher's ranks (early.c deferred their namespace): most of them join
    /// another rank's container and serve nothing.</summary>
    public static void StartEarly(string[] args)
    {
        if (!EarlyNamespace.Deferred && EarlyNamespace.ImageArgument(args) is { } image
            && (ImageReference.IsReference(image) || ImageSource.LooksLikeImageFile(image)))
            early = new ServingThread();
    }

    /// <summary>Has the serving thread open <paramref name="image"/>'s tables (a bad image fails
    /// before anything is mounted), mount a FUSE file system for it, detached, and then serve the
    /// connection for the rest of hpcrun's life. The mount's fd, or the error (the library or
    /// /dev/fuse missing, a bad image), comes back through <see cref="ServingThread.MountFd"/>.</summary>
    public static ServingThread Start(ImageSource image, IdMap ids)
    {
        ServingThread thread = early ?? new ServingThread();
        early = null;
        thread.Serve(image, ids);
        return thread;
    }

    /// <summary>The thread that serves one image: set up first, then told which image, then serving.
    /// A plain pthread that enters .NET on its own: .NET's Thread.Start keeps its caller waiting
    /// until the new thread runs (on the start-up path), and a FUSE server never ends.</summary>
    public sealed partial class ServingThread
    {
        private readonly ManualResetEventSlim asked = new(), mounted = new();
        private (ImageSource Image, IdMap Ids) request;
        private int mountFd, sharedFuseFd = -1, sharedImageFd = -1;
        private ExceptionDispatchInfo? error;

        public ServingThread()
        {
            librariesBound.Reset();
            nint self = GCHandle.ToIntPtr(GCHandle.Alloc(this)); // for the thread's lifetime, which is the process's
            nint thread;
            int failed = pthread_create(&thread, 0, &Entry, self);
            if (failed != 0)
                throw new SetupException(
                    $"cannot start the FUSE server thread: {Marshal.GetPInvokeErrorMessage(failed)}");
            pthread_detach(thread);
        }

        [LibraryImport("libc")]
        private static partial int pthread_create(nint* thread, nint attributes, delegate* unmanaged<nint, nint> start,
            nint argument);

        [LibraryImport("libc")]
        private static partial int pthread_detach(nint thread);

        [UnmanagedCallersOnly]
        private static nint Entry(nint self)
        {
            ((ServingThread)GCHandle.FromIntPtr(self).Target!).Run();
            return 0;
        }

        public void Serve(ImageSource image, IdMap ids)
        {
            request = (image, ids);
            asked.Set();
        }

        /// <summary>The detached mount; from here on no descriptor of the FUSE device is left in the
        /// launcher's table (the serving thread keeps its own: <see cref="Isolate"/>).</summary>
        public int MountFd
        {
            get
            {
                mounted.Wait();
                foreach (int fd in new[] { sharedFuseFd, sharedImageFd }) if (fd >= 0) Syscalls.Close(fd);
                sharedFuseFd = sharedImageFd = -1;
                error?.Throw();
                return mountFd;
            }
        }

        private void Run()
        {
            nint session = 0;
            SquashFuseLibrary? library = null;
            try
            {
                ServingMemory.Prepare();
                library = SquashFuseLibrary.TryGet(out string? missing);
                DeflateBlocks.Decompressor();
                librariesBound.Set();
                asked.Wait();
                if (library is null) throw new HpcRunException(ExitCode.MissingTool, missing!);
                (nint fs, sharedImageFd, bool tuned) = Open(library, request.Image);
                int fuse = sharedFuseFd = OpenFuseDevice();
                mountFd = Syscalls.DetachedFuseMount(request.Image.Name, "squashfuse", fuse, request.Ids.InsideUid,
                    request.Ids.InsideGid);
                session = NewSession(library, (byte*)fs, fuse, tuned);
                Isolate(fuse, sharedImageFd);
            }
            catch (Exception e) { error = ExceptionDispatchInfo.Capture(e); }
            librariesBound.Set();
            mounted.Set();
            if (error is null) library!.SessionLoop(session);
        }
    }

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_isolate_fuse_server")]
    private static partial int IsolateServer(int fuseFd, int imageFd);

    /// <summary>Gives the serving thread a descriptor table of its own with the FUSE device in it, and
    /// guards it against crashes (Native/early.c): a kill or a crash of hpcrun at any instant then
    /// aborts the connection instead of leaving a process waiting on the mount forever.</summary>
    private static void Isolate(int fuseFd, int imageFd)
    {
        int failed = IsolateServer(fuseFd, imageFd);
        if (failed < 0)
            throw new SetupException(
                $"cannot give the FUSE server its own descriptors: {Marshal.GetPInvokeErrorMessage(-failed)}");
    }

    /// <summary>Opens the image's tables, as squashfuse does before it mounts, from a descriptor
    /// the library keeps (<see cref="ImageSource.Path"/> is the launcher's pinned descriptor); tuned when
    /// the library is laid out as <see cref="Tune"/> expects.</summary>
    private static (nint Fs, int ImageFd, bool Tuned) Open(SquashFuseLibrary library, ImageSource image)
    {
        int file = Syscalls.Open(image.Path, Syscalls.O_RDONLY | Syscalls.O_CLOEXEC);
        byte* fs = (byte*)NativeMemory.AllocZeroed(LowLevelAllocation); // served until the process ends
        int status = library.Init(fs, file, (nuint)image.Offset);
        if (status != 0 || library.LowLevelInit(fs) != 0)
        {
            NativeMemory.Free(fs);
            Syscalls.Close(file);
            throw new HpcRunException(ExitCode.BadImage, $"{image.Name}: {Describe(status)}");
        }
        DeflateBlocks.Image = image.Name;
        return ((nint)fs, file, Tune(library, fs));
    }

    private static int OpenFuseDevice()
    {
        int fd = Syscalls.TryOpen("/dev/fuse", Syscalls.O_RDWR | Syscalls.O_CLOEXEC, out int errno);
        return fd >= 0 ? fd : throw new HpcRunException(ExitCode.FuseUnavailable, errno switch
        {
            (int)Errno.ENOENT => "/dev/fuse does not exist: load the fuse kernel module (modprobe fuse)",
            (int)Errno.EACCES or (int)Errno.EPERM =>
                "/dev/fuse is not accessible: it must be mode 0666 (chmod 0666 /dev/fuse)",
            _ => $"/dev/fuse cannot be opened: {Marshal.GetPInvokeErrorMessage(errno)}",
        });
    }

    private static string Describe(int status) => status switch
    {
        2 => "not a SquashFS image squashfuse can read",
        3 => "a SquashFS version squashfuse does not support",
        4 => "compressed with a method this squashfuse was built without",
        _ => "corrupt SquashFS image (its tables cannot be read)",
    };

    private static bool Tune(SquashFuseLibrary library, byte* fs)
    {
        ushort compression = *(ushort*)(fs + CompressionField);
        bool knownLayout = *(uint*)(fs + MagicField) == SquashFsMagic && CacheCount(fs + MetadataCache) == 8
            && CacheCount(fs + DataCache) == 1 && CacheCount(fs + FragmentCache) == 3
            && *(nint*)(fs + DecompressorField) == library.DecompressorFor(compression)
            && ListingWithAttributes.Fits(fs);
        if (!knownLayout)
        {
            Log.Debug("{Library} is not laid out as squashfuse 0.1.105: serving with its own caches and decompressor",
                SquashFuseLibrary.SoName);
            return false;
        }
        nuint blocks = (nuint)Math.Clamp(CacheBytes / *(uint*)(fs + BlockSizeField), 8, 256);
        Resize(library, fs + MetadataCache, MetadataBlocks);
        // Every block a cache keeps is a fresh allocation, paid for in page faults: worth it for blocks that
        // would be decompressed again, not for uncompressed ones, which squashfuse's small caches re-read.
        ushort flags = *(ushort*)(fs + FlagsField);
        bool data = (flags & UncompressedData) == 0, fragments = (flags & UncompressedFragments) == 0;
        if (data) Resize(library, fs + DataCache, blocks);
        if (fragments) Resize(library, fs + FragmentCache, blocks);
        bool libdeflate = compression == ZlibCompression && DeflateBlocks.Decompressor() is not 0;
        if (libdeflate) *(nint*)(fs + DecompressorField) = DeflateBlocks.Decompressor();
        DeflateBlocks.CacheBytes = (long)MetadataBlocks * MetadataBlockSize
            + (long)blocks * *(uint*)(fs + BlockSizeField) * ((data ? 1 : 0) + (fragments ? 1 : 0));
        // Serilog's generic overloads are generic interface calls, which NativeAOT resolves with its run-time type
        // loader: started once per process, a cost every start would pay for a line it does not print.
        if (Log.IsEnabled(LogEventLevel.Debug))
            Log.Debug("squashfuse keeps {Metadata} metadata and {Caches}; {Decompressor}", MetadataBlocks,
                (data, fragments) switch
                {
                    (true, true) => $"{blocks} data and fragment blocks",
                    (true, false) => $"{blocks} data blocks, its own fragment cache (uncompressed)",
                    (false, true) => $"{blocks} fragment blocks, its own data cache (uncompressed)",
                    _ => "its own data and fragment caches (uncompressed)",
                },
                libdeflate ? "gzip blocks inflated by libdeflate" : "blocks decompressed by squashfuse");
        return true;
    }

    private static nuint CacheCount(byte* cache) => *(nuint*)(cache + CacheCountField);

    private static void Resize(SquashFuseLibrary library, byte* cache, nuint blocks)
    {
        library.CacheDestroy(cache);
        if (library.BlockCacheInit(cache, blocks) != 0)
            throw new SetupException("squashfuse: cannot allocate its block cache");
    }

    /// <summary>A FUSE session on the connection hpcrun mounted: libfuse takes "/dev/fd/N" as an
    /// already mounted connection.</summary>
    private static nint NewSession(SquashFuseLibrary library, byte* fs, int fuseFd, bool tuned)
    {
        nint* operations = stackalloc nint[SquashFuseLibrary.OperationSlots];
        library.FillOperations(new Span<nint>(operations, SquashFuseLibrary.OperationSlots), tuned);
        byte* program = (byte*)Marshal.StringToCoTaskMemUTF8("hpcrun");
        byte** argv = stackalloc byte*[] { program, null };
        var args = new SquashFuseLibrary.FuseArgs { Argc = 1, Argv = argv };
        byte* mountpoint = (byte*)Marshal.StringToCoTaskMemUTF8($"/dev/fd/{fuseFd}");
        try
        {
            nint session = library.SessionNew(&args, operations,
                (nuint)(SquashFuseLibrary.OperationSlots * sizeof(nint)), fs);
            if (session == 0) throw new SetupException("libfuse: cannot create a session");
            if (library.SessionMount(session, mountpoint) != 0)
                throw new SetupException("libfuse: cannot take the FUSE connection");
            return session;
        }
        finally
        {
            Marshal.FreeCoTaskMem((nint)program);
            Marshal.FreeCoTaskMem((nint)mountpoint);
        }
    }
}
