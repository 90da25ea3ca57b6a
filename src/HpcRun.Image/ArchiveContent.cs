using System.IO.Compression;
using System.Text;

namespace HpcRun.Image;

/// <summary>What a file given as an image archive holds, as its tar's entries tell.</summary>
public enum ArchiveKind
{
    /// <summary>A tar (plain or gzip'd) that `hpcrun build` reads as a `docker save` archive or an OCI layout.
    /// </summary>
    ImageArchive,
    /// <summary>Another tar (plain or gzip'd): a root file system's, a project's.</summary>
    OtherTar,
    /// <summary>No tar, nor a gzip'd one.</summary>
    NotTar,
    /// <summary>xz or zstd: `hpcrun build` reads them, the launcher does not look inside.</summary>
    Compressed,
}

/// <summary>
/// Tells a `docker save` archive or an OCI layout's tar from another tar as `hpcrun build` tells them once it has
/// unpacked one (ImageBuilder.Resolve): a manifest.json at its top is a `docker save` archive, an index.json with
/// blobs/ or oci-layout beside it an OCI layout, wherever they are in the tar: Docker writes manifest.json first,
/// skopeo and podman last, after the layers. So that a launch can suggest the build without taking its time, only
/// the tar's 512-byte headers are read (an uncompressed tar's data is seeked over; a gzip'd one's is read through),
/// at most <see cref="ReadLimit"/> bytes of them: beyond, the first entry decides, as every tool that writes image
/// archives starts them with names of its own (<see cref="IsLayoutEntry"/>) and a root file system's tar with bin/,
/// etc/, usr/... The caller opens no FIFO or device (it checks the file's type first): it would wait for a writer.
/// </summary>
public static class ArchiveContent
{
    private static readonly string[] LayoutNames =
        ["blobs", "index.json", "manifest.json", "oci-layout", "repositories"];

    private const int Block = 512;

    /// <summary>The bytes of tar read (headers, and a gzip'd tar's data) before the first entry decides.</summary>
    private const long ReadLimit = 64L << 20;

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
        if (!magic.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B])) return new TarNames(file, seekable: true).Kind();
        var names = new TarNames(new GZipStream(file, CompressionMode.Decompress), seekable: false);
        try { return names.Kind(); }
        catch (InvalidDataException) { return names.SoFar(); } // corrupt or cut short: what was read decides
    }

    /// <summary>Whether the directory <paramref name="directory"/> is what `hpcrun build` reads as a `docker save`
    /// archive or an OCI layout (an unpacked one): manifest.json at its top, or index.json with blobs/ or oci-layout
    /// beside it. A root file system has none of them there.</summary>
    public static bool IsLayoutDirectory(string directory) =>
        PosixFile.IsRegular(Path.Combine(directory, "manifest.json"))
        || PosixFile.IsRegular(Path.Combine(directory, "index.json"))
        && (PosixFile.IsDirectory(Path.Combine(directory, "blobs"))
            || PosixFile.IsRegular(Path.Combine(directory, "oci-layout")));

    /// <summary>Whether a tar entry named <paramref name="name"/> (as stored: `./` and a trailing `/` allowed) is one
    /// a `docker save` archive or an OCI layout has at its top: <see cref="LayoutNames"/>, or the layer directories,
    /// config files and layer tars named by their digests (64 hexadecimal digits) of the old `docker save` format
    /// and skopeo's and podman's docker-archive.</summary>
    public static bool IsLayoutEntry(string name)
    {
        string top = Top(name);
        string id = top.EndsWith(".json", StringComparison.Ordinal) || top.EndsWith(".tar", StringComparison.Ordinal)
            ? top[..top.LastIndexOf('.')] : top;
        return LayoutNames.Contains(top) || id.Length == 64 && id.All(char.IsAsciiHexDigitLower);
    }

    /// <summary>The first component of a stored name, past a leading `./`.</summary>
    private static string Top(string name) =>
        (name.StartsWith("./", StringComparison.Ordinal) ? name[2..] : name).Split('/')[0];

    /// <summary>The names at a tar's top that decide its kind, gathered header by header.</summary>
    private sealed class TarNames(Stream tar, bool seekable)
    {
        /// <summary>A pax or GNU long-name header's data read for the entry's name and size: theirs are small.
        /// </summary>
        private const int MaxMeta = 1 << 20;

        private readonly byte[] header = new byte[Block];
        private string? first;
        private bool manifest, index, blobs, ociLayout;
        private long read;

        public ArchiveKind Kind()
        {
            using (tar)
            {
                string? longName = null;
                long? longSize = null;
                while (read < ReadLimit)
                {
                    if (tar.ReadAtLeast(header, Block, throwOnEndOfStream: false) < Block
                        || header.AsSpan().IndexOfAnyExcept((byte)0) < 0)
                        return SoFar(); // its end, or cut short (the build says so)
                    read += Block;
                    if (!header.AsSpan(257, 5).SequenceEqual("ustar"u8)) return SoFar();
                    byte type = header[156];
                    long size = Size();
                    if (size < 0) return SoFar();
                    if (type is (byte)'x' or (byte)'L' && size <= MaxMeta) // the next entry's name (and size)
                    {
                        if (Data(size) is not { } data) return SoFar();
                        if (type == (byte)'L') longName = Text(data);
                        else (longName, longSize) = Pax(data, longName, longSize);
                        continue;
                    }
                    if (type is not ((byte)'x' or (byte)'g' or (byte)'L' or (byte)'K'))
                    {
                        Note(longName ?? Name(), type);
                        if (Decided) return ArchiveKind.ImageArchive;
                        size = longSize ?? size;
                        (longName, longSize) = (null, null);
                    }
                    if (!Skip(size)) return SoFar();
                }
                return first is not null && IsLayoutEntry(first) ? ArchiveKind.ImageArchive : ArchiveKind.OtherTar;
            }
        }

        /// <summary>The kind the names read so far give: the build unpacks a tar to its end and reads its top.
        /// </summary>
        public ArchiveKind SoFar() =>
            Decided ? ArchiveKind.ImageArchive : first is null ? ArchiveKind.NotTar : ArchiveKind.OtherTar;

        /// <summary>What ImageBuilder.Resolve reads as an image archive: DockerArchive.IsArchive, then
        /// OciLayout.IsLayout.</summary>
        private bool Decided => manifest || index && (blobs || ociLayout);

        private void Note(string name, byte type)
        {
            string[] parts = (name.StartsWith("./", StringComparison.Ordinal) ? name[2..] : name)
                .Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) return; // `./`, which tar -C DIR . writes first
            first ??= name;
            bool top = parts.Length == 1;
            manifest |= top && parts[0] == "manifest.json";
            index |= top && parts[0] == "index.json";
            ociLayout |= top && parts[0] == "oci-layout";
            blobs |= parts[0] == "blobs" && (!top || type == (byte)'5');
        }

        private string Name()
        {
            string name = Text(header.AsSpan(0, 100));
            bool posix = header.AsSpan(257, 6).SequenceEqual("ustar\0"u8); // GNU's keeps other fields there
            string prefix = posix ? Text(header.AsSpan(345, 155)) : "";
            return prefix.Length > 0 ? $"{prefix}/{name}" : name;
        }

        /// <summary>The entry's size: octal digits, or GNU's base-256 (high bit set) for large ones; -1 when it is
        /// neither (no tar's).</summary>
        private long Size()
        {
            ReadOnlySpan<byte> field = header.AsSpan(124, 12);
            long size = 0;
            if ((field[0] & 0x80) != 0)
            {
                if (field[0] != 0x80 || field[1..4].IndexOfAnyExcept((byte)0) >= 0) return -1; // negative or huge
                foreach (byte b in field[4..]) size = size << 8 | b;
                return size;
            }
            foreach (byte b in field)
                if (b is >= (byte)'0' and <= (byte)'7') size = size * 8 + (b - '0');
                else if (size > 0 || b is not ((byte)' ' or 0)) break;
            return size;
        }

        /// <summary>Passes over an entry's data: seeked over in a plain tar, read through (and counted) in a
        /// compressed one. False when the tar ends first.</summary>
        private bool Skip(long size)
        {
            long padded = (size + Block - 1) / Block * Block;
            if (seekable)
            {
                if (padded > tar.Length - tar.Position) return false;
                tar.Seek(padded, SeekOrigin.Current);
                return true;
            }
            Span<byte> sink = stackalloc byte[16 * 1024];
            for (long left = padded; left > 0 && read < ReadLimit;)
            {
                int n = tar.Read(sink[..(int)Math.Min(left, sink.Length)]);
                if (n == 0) return false;
                (left, read) = (left - n, read + n);
            }
            return true;
        }

        private byte[]? Data(long size)
        {
            long padded = (size + Block - 1) / Block * Block;
            var data = new byte[padded];
            if (tar.ReadAtLeast(data, data.Length, throwOnEndOfStream: false) < data.Length) return null;
            read += padded;
            return data[..(int)size];
        }

        /// <summary>A pax header's path and size records (`LENGTH KEY=VALUE\n` each), over the ones given.
        /// </summary>
        private static (string?, long?) Pax(byte[] data, string? path, long? size)
        {
            foreach (string record in Encoding.UTF8.GetString(data).Split('\n'))
            {
                int space = record.IndexOf(' '), equals = record.IndexOf('=');
                if (space < 0 || equals < space) continue;
                string key = record[(space + 1)..equals], value = record[(equals + 1)..];
                if (key == "path") path = value;
                else if (key == "size" && long.TryParse(value, out long parsed)) size = parsed;
            }
            return (path, size);
        }

        private static string Text(ReadOnlySpan<byte> field)
        {
            int end = field.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
        }
    }
}
