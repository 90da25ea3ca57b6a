using System.IO.Compression;

namespace HpcRun.Build.SquashFs;

/// <summary>
/// SquashFS's gzip compressor (id 1): each block a zlib stream (RFC 1950), as squashfs-tools' gzip_wrapper.c and
/// the kernel's zlib_wrapper.c have it, however the block is used (data, fragment or metadata). A block that does not
/// shrink is stored as it is, its size word saying so (squashfs_fs.h SQUASHFS_COMPRESSED_BIT[_BLOCK]).
/// </summary>
internal static class ZlibBlock
{
    /// <summary>Compresses <paramref name="block"/> at zlib <paramref name="level"/> (1-9) into
    /// <paramref name="scratch"/>, which it empties first; whether the result is shorter than the block (the
    /// compressed bytes are then <paramref name="scratch"/>'s).</summary>
    public static bool TryCompress(ReadOnlySpan<byte> block, int level, MemoryStream scratch)
    {
        scratch.SetLength(0);
        using (var zlib = new ZLibStream(scratch, new ZLibCompressionOptions { CompressionLevel = level },
                   leaveOpen: true))
            zlib.Write(block);
        return scratch.Length < block.Length;
    }
}
