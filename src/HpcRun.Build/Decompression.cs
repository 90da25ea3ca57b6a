using System.IO.Compression;
using SharpCompress.Compressors.Xz;
using ZstdDecompressionStream = SharpCompress.Compressors.ZStandard.DecompressionStream;

namespace HpcRun.Build;

/// <summary>Opens a layer or archive, compressed or not, by its magic number: gzip (the
/// runtime's zlib), xz and zstd (SharpCompress), or a plain tar.</summary>
internal static class Decompression
{
    /// <summary>Decompresses <paramref name="file"/> (seekable, read from its start); <paramref name="wrapRaw"/> sees
    /// the bytes as stored (to hash them). The returned stream owns <paramref name="file"/>.</summary>
    public static Stream Open(Stream file, Func<Stream, Stream> wrapRaw)
    {
        Span<byte> head = stackalloc byte[6];
        head = head[..file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
        file.Position = 0;
        Stream raw = wrapRaw(file);
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B])) return new GZipStream(raw, CompressionMode.Decompress);
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0]))
            return new XZStream(raw);
        if (head.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD])) return new ZstdDecompressionStream(raw);
        return raw;
    }

    /// <summary>Whether <paramref name="e"/> says that what was read is corrupt, truncated or not a tar
    /// archive.</summary>
    public static bool IsCorruption(Exception e) =>
        e is InvalidDataException or EndOfStreamException or FormatException or SharpCompress.Common.ArchiveException;

    /// <summary>What a corruption <paramref name="e"/> means, in a line of hpcrun's own (the decompressors'
    /// messages are .NET's).</summary>
    public static string Explain(Exception e) =>
        e is Tar.TarFormatException ? e.Message : "its compressed data is invalid or cut short";
}
