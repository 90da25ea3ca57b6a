using System.IO.Compression;
using System.Text;

namespace HpcRun.Image;

/// <summary>What a file given as an image archive holds, as its tar's entries tell.</summary>
public enum ArchiveKind
{
    /// <summary>A tar (plain or gzip'd) that `hpcrun build` reads as a `docker save` archive or an OCI layout.
    /// </summary>
    ImageArchive,
    /// <summary>What `docker save` wrote before Docker 1.10: ID/json and ID/layer.tar, no manifest.json
    /// (<see cref="ArchiveContent.OldDockerSave"/>).</summary>
    OldDockerSave,
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
/// skopeo and podman last, after the layers. Only the tar's 512-byte headers are read, to its end when no image
/// archive's names come first (an uncompressed tar's data is seeked over; a gzip'd one's is decompressed and dropped,
/// about a second for each few hundred MiB), so that no archive is taken for what it is not, wherever its names
/// are. What `docker save` wrote before Docker 1.10 (<see cref="OldDockerSave"/>) is told apart, for a line that says
/// so. The caller opens no FIFO or device (it checks the file's type first): it would wait for a writer.
/// </summary>
public static class ArchiveContent
{
    private const int Block = 512;

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

    /// <summary>Whether the directory <paramref name="directory"/> (an unpacked archive, or one given as an image or a
    /// build's source) is what `docker save` wrote before Docker 1.10: no manifest.json, and a layer directory named
    /// by its 64-hex-digit ID with its json and layer.tar (`repositories` beside them names the tags). Neither hpcrun
    /// nor skopeo reads it; a root file system has no such directory.</summary>
    public static bool IsOldDockerSave(string directory)
    {
        if (PosixFile.IsRegular(Path.Combine(directory, "manifest.json"))) return false;
        try
        {
            return Directory.EnumerateDirectories(directory).Any(layer => IsLayerId(Path.GetFileName(layer))
                && PosixFile.IsRegular(Path.Combine(layer, "json"))
                && PosixFile.IsRegular(Path.Combine(layer, "layer.tar")));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>The line that refuses what `docker save` wrote before Docker 1.10, named <paramref name="shown"/>,
    /// saying how to have what hpcrun reads.</summary>
    public static string OldDockerSave(string shown) => $"{shown}: {OldDockerSaveFormat}: {OldDockerSaveAdvice}";

    /// <summary>What <see cref="OldDockerSave"/> says the archive is (doctor's line).</summary>
    public const string OldDockerSaveFormat = "a docker save archive of Docker before 1.10 (layers in ID/layer.tar, " +
        "no manifest.json), a format too old for hpcrun (and skopeo)";

    /// <summary>What <see cref="OldDockerSave"/> says to do (doctor's fix).</summary>
    public const string OldDockerSaveAdvice = "load it into a current Docker and save it again (docker load -i " +
        "ARCHIVE; docker save -o NEW.tar IMAGE), then build NEW.tar";

    private static bool IsLayerId(string name) => name.Length == 64 && name.All(char.IsAsciiHexDigitLower);

    /// <summary>The names at a tar's top that decide its kind, gathered header by header.</summary>
    private sealed class TarNames(Stream tar, bool seekable)
    {
        /// <summary>A pax or GNU long-name header's data read for the entry's name and size: theirs are small.
        /// </summary>
        private const int MaxMeta = 1 << 20;

        private readonly byte[] header = new byte[Block];
        private string? first;
        private bool manifest, index, blobs, ociLayout, oldLayerJson, oldLayerTar;
        private byte[]? sink; // a compressed tar's data, dropped

        public ArchiveKind Kind()
        {
            using (tar)
            {
                string? longName = null;
                long? longSize = null;
                while (true)
                {
                    if (tar.ReadAtLeast(header, Block, throwOnEndOfStream: false) < Block
                        || header.AsSpan().IndexOfAnyExcept((byte)0) < 0)
                        return SoFar(); // its end, or cut short (the build says so)
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
            }
        }

        /// <summary>The kind the names read so far give: the build unpacks a tar to its end and reads its top.
        /// </summary>
        public ArchiveKind SoFar() =>
            Decided ? ArchiveKind.ImageArchive : oldLayerJson && oldLayerTar ? ArchiveKind.OldDockerSave
            : first is null ? ArchiveKind.NotTar : ArchiveKind.OtherTar;

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
            bool layer = parts.Length == 2 && IsLayerId(parts[0]);
            oldLayerJson |= layer && parts[1] == "json";
            oldLayerTar |= layer && parts[1] == "layer.tar";
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

        /// <summary>Passes over an entry's data: seeked over in a plain tar, decompressed and dropped in a compressed
        /// one. False when the tar ends first.</summary>
        private bool Skip(long size)
        {
            long padded = (size + Block - 1) / Block * Block;
            if (seekable)
            {
                if (padded > tar.Length - tar.Position) return false;
                tar.Seek(padded, SeekOrigin.Current);
                return true;
            }
            sink ??= new byte[256 * 1024];
            for (long left = padded; left > 0;)
            {
                int n = tar.Read(sink, 0, (int)Math.Min(left, sink.Length));
                if (n == 0) return false;
                left -= n;
            }
            return true;
        }

        private byte[]? Data(long size)
        {
            long padded = (size + Block - 1) / Block * Block;
            var data = new byte[padded];
            if (tar.ReadAtLeast(data, data.Length, throwOnEndOfStream: false) < data.Length) return null;
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
