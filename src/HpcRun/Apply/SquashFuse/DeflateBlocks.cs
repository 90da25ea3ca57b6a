using System.Runtime.InteropServices;
using System.Text;
using HpcRun.Image.Posix;

namespace HpcRun.Apply.SquashFuse;

/// <summary>
/// Inflates gzip-compressed SquashFS blocks with libdeflate, which decompresses whole buffers
/// faster than zlib's uncompress() that squashfuse calls. Starting a job mostly waits for the
/// blocks its binaries and libraries live in, so this is start-up time. Called only from the one
/// thread that serves FUSE, hence one decompressor for the process.
/// </summary>
internal static unsafe class DeflateBlocks
{
    private const string SoName = "libdeflate.so.0";
    private static delegate* unmanaged<nint, byte*, nuint, byte*, nuint, nuint*, int> zlibDecompress;
    private static nint decompressor;
    private static readonly Lazy<nint> inflate = new(Load);
    private static long inflated, grown = 1;
    /// <summary>The bytes squashfuse's caches can hold (SquashFuseServer sets it): their memory is backed a step at
    /// a time as they fill (<see cref="ServingMemory.Grow"/>).</summary>
    public static long CacheBytes { get; set; }

    /// <summary>The image served, as the user named it, for the line that says it is damaged.</summary>
    public static string Image { get; set; } = "";

    private static int saidDamaged;

    /// <summary>Whether a block did not decompress, which the line <see cref="SayDamaged"/> wrote said.</summary>
    public static bool SaidDamaged => Volatile.Read(ref saidDamaged) != 0;

    /// <summary>What the line <see cref="SayDamaged"/> writes says of the image (doctor tells it by them).</summary>
    public const string DamagedWords = "the image is damaged";

    /// <summary>A squashfuse decompressor (sqfs_decompressor) backed by libdeflate, or 0 when
    /// libdeflate is not installed and squashfuse's own zlib must do.</summary>
    public static nint Decompressor() => inflate.Value;

    private static nint Load()
    {
        if (!NativeLibrary.TryLoad(SoName, out nint library)) return 0;
        zlibDecompress = (delegate* unmanaged<nint, byte*, nuint, byte*, nuint, nuint*, int>)
            NativeLibrary.GetExport(library, "libdeflate_zlib_decompress");
        decompressor = ((delegate* unmanaged<nint>)NativeLibrary.GetExport(library, "libdeflate_alloc_decompressor"))();
        return decompressor == 0 ? 0 : (nint)(delegate* unmanaged<byte*, nuint, byte*, nuint*, int>)&Inflate;
    }

    /// <summary>sqfs_err (*)(void *in, size_t insz, void *out, size_t *outsz): *outsz holds the room
    /// on entry and the block's size on return. SQFS_OK is 0, SQFS_ERR 1.</summary>
    [UnmanagedCallersOnly]
    private static int Inflate(byte* input, nuint inputSize, byte* output, nuint* outputSize)
    {
        nuint produced, room = *outputSize; // a cache's entry: the whole room stays allocated
        if (zlibDecompress(decompressor, input, inputSize, output, room, &produced) != 0)
        {
            SayDamaged();
            return 1;
        }
        *outputSize = produced;
        inflated += (long)room;
        if (inflated >= grown * ServingMemory.Step && inflated < CacheBytes)
        {
            grown++;
            ServingMemory.Grow();
        }
        return 0;
    }

    /// <summary>Says once which image is damaged: what SquashFS cannot check before a block is read (it has no
    /// checksums; the tables are checked at the start) shows only as the job's read failing with EIO, or as a bus
    /// error (SIGBUS) when the block is in a program or library it runs, which would not name the image.</summary>
    private static void SayDamaged()
    {
        if (Interlocked.Exchange(ref saidDamaged, 1) == 0)
            Libc.WriteAll(2, Encoding.UTF8.GetBytes($"hpcrun: {Image}: a block of the image does not decompress: " +
                $"{DamagedWords}, and the job's reads of it fail (an I/O error; a bus error for a program in it)\n"));
    }
}
