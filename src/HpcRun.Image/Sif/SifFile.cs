namespace HpcRun.Image.Sif;

/// <summary>
/// A SIF file's header and data objects, read and checked without trusting any field:
/// every table and object must lie inside the file, objects must not overlap, and counts
/// must be sane. Anything else is an <see cref="ImageFormatException"/>.
/// </summary>
public sealed class SifFile
{
    /// <summary>More descriptors than any real file has (the default is 48); guards allocation.</summary>
    public const int MaxDescriptors = 4096;

    public SifHeader Header { get; }
    public IReadOnlyList<SifDescriptor> Objects { get; }
    public long FileSize { get; }

    private SifFile(SifHeader header, IReadOnlyList<SifDescriptor> objects, long fileSize) =>
        (Header, Objects, FileSize) = (header, objects, fileSize);

    public static bool HasMagic(ReadOnlySpan<byte> head) =>
        head.Length >= 42 && SifText.Read(head.Slice(32, 10)) == SifHeader.Magic;

    public static SifFile Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream);
    }

    public static SifFile Read(Stream stream)
    {
        long fileSize = stream.Length;
        var head = new byte[SifHeader.Size];
        stream.Position = 0;
        if (stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length)
            throw new ImageFormatException("truncated SIF file (no complete header)");
        SifHeader header = SifHeader.Parse(head);
        CheckTable(header, fileSize);
        var table = new byte[header.DescriptorsTotal * SifDescriptor.EncodedSize];
        stream.Position = header.DescriptorsOffset;
        if (stream.ReadAtLeast(table, table.Length, throwOnEndOfStream: false) < table.Length)
            throw new ImageFormatException("truncated SIF descriptor table");
        var objects = new List<SifDescriptor>();
        for (int i = 0; i < header.DescriptorsTotal; i++)
            if (SifDescriptor.Parse(table.AsSpan(i * SifDescriptor.EncodedSize, SifDescriptor.EncodedSize)) is { } d)
                objects.Add(d);
        CheckObjects(header, objects);
        return new SifFile(header, objects, fileSize);
    }

    /// <summary>The first object of <paramref name="type"/> matching <paramref name="match"/>, if any.</summary>
    public SifDescriptor? Find(SifDataType type, Func<SifDescriptor, bool>? match = null) =>
        Objects.FirstOrDefault(d => d.DataType == type && (match is null || match(d)));

    /// <summary>The root file system partition of a runnable image.</summary>
    public SifDescriptor? PrimarySystem => Find(SifDataType.Partition, d => d.PartType == SifPartType.PrimSys);

    /// <summary>The CPU architecture the image is for, as OCI names it ("arm64"): its primary system partition's,
    /// where Apptainer reads it (pkg/image/sif.go, PartitionMetadata; the header's copy is not read, so a file whose
    /// two disagree is judged by what runs); null without such a partition or when it names none ("00").</summary>
    public string? PrimaryArchitecture =>
        PrimarySystem?.Arch is { Length: > 0 } code && code != "00" ? SifArch.Name(code) : null;

    /// <summary>Reads a (small) object's bytes; refuses objects over <paramref name="limit"/>.</summary>
    public static byte[] ReadObject(Stream stream, SifDescriptor d, int limit = 16 << 20)
    {
        if (d.Size > limit) throw new ImageFormatException($"SIF object {d.Id} is too large to read ({d.Size} bytes)");
        var data = new byte[d.Size];
        stream.Position = d.Offset;
        stream.ReadExactly(data);
        return data;
    }

    private static void CheckTable(SifHeader h, long fileSize)
    {
        if (h.DescriptorsTotal is < 0 or > MaxDescriptors)
            throw new ImageFormatException($"corrupt SIF header: {h.DescriptorsTotal} descriptors");
        if (h.DescriptorsFree < 0 || h.DescriptorsFree > h.DescriptorsTotal)
            throw new ImageFormatException(
                $"corrupt SIF header: {h.DescriptorsFree} free of {h.DescriptorsTotal} descriptors");
        if (h.DescriptorsSize != h.DescriptorsTotal * SifDescriptor.EncodedSize)
            throw new ImageFormatException("corrupt SIF header: descriptor table size does not match its count");
        if (h.DescriptorsOffset < SifHeader.Size || h.DescriptorsOffset > fileSize - h.DescriptorsSize)
            throw new ImageFormatException("corrupt SIF header: descriptor table lies outside the file");
        if (h.DataOffset < h.DescriptorsOffset + h.DescriptorsSize || h.DataOffset > fileSize)
            throw new ImageFormatException("corrupt SIF header: data section lies outside the file");
        if (h.DataSize < 0 || h.DataSize > fileSize - h.DataOffset)
            throw new ImageFormatException("corrupt SIF header: data section extends beyond the end of the file");
    }

    private static void CheckObjects(SifHeader h, List<SifDescriptor> objects)
    {
        if (objects.Count != h.DescriptorsTotal - h.DescriptorsFree)
            throw new ImageFormatException(
                $"corrupt SIF: {objects.Count} objects, header says {h.DescriptorsTotal - h.DescriptorsFree}");
        long dataEnd = h.DataOffset + h.DataSize;
        var ids = new HashSet<uint>();
        foreach (SifDescriptor d in objects)
        {
            if (d.Id == 0 || !ids.Add(d.Id))
                throw new ImageFormatException($"corrupt SIF: object ID {d.Id} is zero or repeated");
            if (d.Size < 0 || d.Offset < h.DataOffset || d.Offset > dataEnd - d.Size)
                throw new ImageFormatException($"corrupt SIF: object {d.Id} lies outside the data section");
            if (d.SizeWithPadding < d.Size)
                throw new ImageFormatException($"corrupt SIF: object {d.Id} has a bad padded size");
        }
        var sorted = objects.Where(d => d.Size > 0).OrderBy(d => d.Offset).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i - 1].Offset + sorted[i - 1].Size > sorted[i].Offset)
                throw new ImageFormatException($"corrupt SIF: objects {sorted[i - 1].Id} and {sorted[i].Id} overlap");
    }
}
