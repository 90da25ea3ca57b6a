using System.IO.Compression;
using System.Text;

namespace HpcRun.Image;

/// <summary>What a file given as an image archive holds, as far as its start tells.</summary>
public enum ArchiveKind
{
    /// <summary>A tar (plain or gzip'd) that starts as a `docker save` archive or an OCI layout does.</summary>
    ImageArchive,
    /// <summary>A tar (plain or gzip'd) that starts with anything else (a root file system's, a project's).</summary>
    OtherTar,
    /// <summary>No tar, nor a gzip'd one (or one cut short inside its first entries).</summary>
    NotTar,
    /// <summary>xz or zstd: `hpcrun build` reads them, the launcher does not look inside.</summary>
    Compressed,
}

/// <summary>
/// Tells a `docker save` archive or an OCI layout's tar from another tar by its first entries, cheaply (a few
/// 512-byte headers, through gzip when it is gzip'd), so that a launch given one suggests the build that reads it and
/// one given another tar gets the error that build would give. Both kinds start with their own top-level names, as
/// `docker save` (old and new), skopeo and buildah write them: blobs/, index.json, manifest.json, oci-layout,
/// repositories, and the old format's LAYERID/ directories and CONFIGID.json; a root file system's tar starts with
/// bin/, etc/, usr/... (a leading `./` entry is passed over).
/// </summary>
public static class ArchiveContent
{
    private static readonly string[] LayoutNames =
        ["blobs", "index.json", "manifest.json", "oci-layout", "repositories"];

    /// <summary>Entries looked at before giving up on finding a named one (pax and GNU long-name headers, `./`).
    /// </summary>
    private const int MaxEntries = 8;

    /// <summary>What the file at <paramref name="path"/> holds (<see cref="ArchiveKind"/>); it is read, not
    /// checked further.</summary>
    /// <exception cref="IOException">It cannot be read.</exception>
    public static ArchiveKind Look(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        Span<byte> magic = stackalloc byte[6];
        magic = magic[..file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false)];
        file.Position = 0;
        if (magic.StartsWith((ReadOnlySpan<byte>)[0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0])
            || magic.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]))
            return ArchiveKind.Compressed;
        if (!magic.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B])) return Look(file);
        try
        {
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            return Look(gzip);
        }
        catch (InvalidDataException) { return ArchiveKind.NotTar; }
    }

    /// <summary>Whether a tar entry named <paramref name="name"/> (as stored: `./` and a trailing `/` allowed) is one
    /// a `docker save` archive or an OCI layout has at its top: <see cref="LayoutNames"/>, or the old `docker save`
    /// format's layer directories and config files (64 hexadecimal digits, the config's with .json).</summary>
    public static bool IsLayoutEntry(string name)
    {
        string top = name.StartsWith("./", StringComparison.Ordinal) ? name[2..] : name;
        top = top.Split('/')[0];
        string id = top.EndsWith(".json", StringComparison.Ordinal) ? top[..^5] : top;
        return LayoutNames.Contains(top) || id.Length == 64 && id.All(char.IsAsciiHexDigitLower);
    }

    private static ArchiveKind Look(Stream tar)
    {
        var header = new byte[512];
        for (int entry = 0; entry < MaxEntries; entry++)
        {
            if (tar.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length
                || !header.AsSpan(257, 5).SequenceEqual("ustar"u8))
                return ArchiveKind.NotTar;
            string name = Field(header, 0, 100), prefix = Field(header, 345, 155);
            if (prefix.Length > 0) name = $"{prefix}/{name}";
            byte type = header[156];
            bool meta = type is (byte)'x' or (byte)'g' or (byte)'L' or (byte)'K'; // pax and GNU long-name headers
            if (!meta && name is not ("./" or "." or ""))
                return IsLayoutEntry(name) ? ArchiveKind.ImageArchive : ArchiveKind.OtherTar;
            if (!Skip(tar, (Size(header) + 511) / 512 * 512)) return ArchiveKind.NotTar;
        }
        return ArchiveKind.OtherTar;
    }

    private static string Field(byte[] header, int at, int length)
    {
        ReadOnlySpan<byte> field = header.AsSpan(at, length);
        int end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }

    /// <summary>The entry's size: octal digits, or GNU's base-256 (high bit set) for large ones.</summary>
    private static long Size(byte[] header)
    {
        ReadOnlySpan<byte> field = header.AsSpan(124, 12);
        if ((field[0] & 0x80) != 0) return long.MaxValue; // a huge entry: no metadata header is one
        long size = 0;
        foreach (byte b in field)
            if (b is >= (byte)'0' and <= (byte)'7') size = size * 8 + (b - '0');
            else if (size > 0 || b is not ((byte)' ' or 0)) break;
        return size;
    }

    private static bool Skip(Stream tar, long bytes)
    {
        if (bytes > 1 << 20) return false; // metadata that large is no tar's
        Span<byte> sink = stackalloc byte[512];
        for (long left = bytes; left > 0; left -= 512)
            if (tar.ReadAtLeast(sink, sink.Length, throwOnEndOfStream: false) < sink.Length) return false;
        return true;
    }
}
