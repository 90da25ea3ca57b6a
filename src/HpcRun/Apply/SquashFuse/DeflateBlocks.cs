using System.Runtime.InteropServices;

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
        nuint produced;
        if (zlibDecompress(decompressor, input, inputSize, output, *outputSize, &produced) != 0) return 1;
        *outputSize = produced;
        return 0;
    }
}
