using System.IO.Compression;
using SharpCompress.Compressors.Xz;
using ZstdDecompressionStream = SharpCompress.Compressors.ZStandard.DecompressionStream;

namespace HpcRun.Image.Build;

/// <summary>Opens a layer or archive, compressed or not, by its magic number: gzip (the
/// runtime's zlib), xz and zstd (SharpCompress), or a plain tar.</summary>
internal static class Decompression
{
    /// <summary>Opens <paramref name="path"/>; <paramref name="wrapRaw"/> sees the bytes as stored (to hash them).</summary>
    public static Stream Open(string path, Func<Stream, Stream> wrapRaw)
    {
        byte[] magic = new byte[6];
        int n;
        using (var probe = File.OpenRead(path)) n = probe.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        ReadOnlySpan<byte> head = magic.AsSpan(0, n);
        Stream raw = wrapRaw(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16));
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B])) return new GZipStream(raw, CompressionMode.Decompress);
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0])) return new XZStream(raw);
        if (head.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD])) return new ZstdDecompressionStream(raw);
        return raw;
    }
}
