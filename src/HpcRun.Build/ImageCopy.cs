using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using HpcRun.Image;
using HpcRun.Image.Formats;
using HpcRun.Image.Inspect;
using HpcRun.Image.Metadata;
using HpcRun.Image.Sif;

namespace HpcRun.Build;

/// <summary>
/// `hpcrun build OUT.sif IMAGE` from a SIF or a bare SquashFS, as Apptainer builds a SIF from either: the SquashFS file
/// system is copied byte for byte into the new SIF (not unpacked and squashed again), so what the source holds inside
/// stays as it is (/.singularity.d with its runscript, environment scripts and labels.json, /hpcrun-run, times,
/// compression). A SIF source's metadata objects come along (definition file, labels, environment, JSON such as
/// hpcrun's config, Apptainer's inspect-metadata.json and oci-config.json); its signatures (they sign the old file),
/// other partitions (overlays) and the old build record do not. A bare SquashFS gets the objects hpcrun's own build
/// gives an image: the config it carries inside (/.hpcrun/config.json) and its labels. The new build record names the
/// source's kind and the SHA-256 of the file system copied (the same source gives the same bytes), and keeps how the
/// file system was made: the source's record's compression arguments and maker (a SIF's object, a bare SquashFS's
/// /.hpcrun/build.json), else what its superblock tells (compressor, block size).
/// </summary>
internal static class ImageCopy
{
    /// <summary>Whether <paramref name="head"/>, a source file's first bytes, starts a SIF or a SquashFS.</summary>
    public static bool IsImage(ReadOnlySpan<byte> head) => SifFile.HasMagic(head) || SquashFsSuperblock.HasMagic(head);

    /// <summary>Writes the image of <paramref name="source"/> (named <paramref name="shown"/> in messages) as a SIF at
    /// <paramref name="output"/>'s image file.</summary>
    /// <exception cref="ImageFormatException">A SIF with no SquashFS root file system, a corrupt one.</exception>
    /// <exception cref="ArgumentException">--sqfs: a bare SquashFS is what the source already is or holds.</exception>
    public static void Copy(FileStream source, string shown, BuildRequest request, BuildOutput output,
        string hpcrunVersion, IBuildReporter reporter, CancellationToken cancel)
    {
        Span<byte> head = stackalloc byte[SifHeader.Size];
        source.Position = 0;
        bool sif = SifFile.HasMagic(head[..source.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)]);
        if (request.SquashFsOnly)
            throw new ArgumentException($"--sqfs: {shown} is a {(sif ? "SIF" : "SquashFS")} image already; hpcrun " +
                $"builds a SIF from it (leave out --sqfs)");
        Source from = sif ? FromSif(source, shown, reporter) : FromSquashFs(source, shown);
        string architecture = request.Platform is not null ? ImageSelector.Parse(request.Platform, null).Architecture
            : from.Architecture;
        long time = Math.Clamp(request.SourceDateEpoch ?? from.Time, 0, uint.MaxValue);
        using FileStream file = output.CreateImage();
        file.Position = SifWriter.PartitionOffset;
        string digest = CheckedCopy(source, from, file, shown, reporter, cancel);
        var record = new BuildRecord
        {
            SourceKind = sif ? "sif" : "squashfs",
            SourceDigest = $"sha256:{digest}",
            Platform = $"linux/{architecture}",
            Created = time > 0 ? DateTimeOffset.FromUnixTimeSeconds(time) : null,
            HpcrunVersion = hpcrunVersion,
            MksquashfsArgs = from.Compression,
            FileSystemMaker = from.Maker,
        };
        SifObject[] objects =
        [
            .. from.Objects,
            new(SifDataType.GenericJson, SifMetadata.BuildName,
                JsonSerializer.SerializeToUtf8Bytes(record, BuildRecordJson.Default.BuildRecord)),
        ];
        SifWriter.Complete(file, from.Size, ArchCode(architecture), time > 0 ? time : SifText.Unset, objects);
        file.Flush(flushToDisk: true);
    }

    /// <summary>What a source gives the new SIF: where its file system lies, the objects to keep, its architecture
    /// and time, and the compression its file system was made with (its build record's, else the superblock's),
    /// with what made it when its record says.</summary>
    private sealed record Source(long Offset, long Size, IReadOnlyList<SifObject> Objects, string Architecture,
        long Time, IReadOnlyList<string> Compression, string? Maker = null);

    private static readonly SifDataType[] Carried =
    [
        SifDataType.Deffile, SifDataType.EnvVar, SifDataType.Labels, SifDataType.GenericJson, SifDataType.Generic,
        SifDataType.Sbom,
    ];

    private static Source FromSif(FileStream stream, string shown, IBuildReporter reporter)
    {
        SifFile sif = SifFile.Read(stream);
        SifDescriptor root = sif.PrimarySystem ?? throw new ImageFormatException(
            $"{shown}: SIF has no primary system partition (an OCI-SIF keeps layers instead): nothing to build from");
        if (root.FsType != SifFsType.Squashfs)
            throw new ImageFormatException($"{shown}: SIF primary partition is " +
                $"{root.FsType?.ToString() ?? "unknown"}, hpcrun builds from SquashFS only");
        SquashFsSuperblock superblock = SquashFsSuperblock.Read(stream, root.Offset, root.Size);
        var objects = new List<SifObject>();
        var left = new SortedSet<string>(StringComparer.Ordinal);
        BuildRecord? sourceRecord = null;
        foreach (SifDescriptor d in sif.Objects)
        {
            if (ReferenceEquals(d, root)) continue;
            if (d.DataType == SifDataType.GenericJson && d.Name == SifMetadata.BuildName)
            {
                sourceRecord = Record(SifFile.ReadObject(stream, d));
                continue;
            }
            if (Carried.Contains(d.DataType))
                objects.Add(new SifObject(d.DataType, d.Name, SifFile.ReadObject(stream, d)));
            else left.Add(d.DataType switch
            {
                SifDataType.Signature or SifDataType.CryptoMessage => "its signatures (they sign the old file)",
                SifDataType.Partition => "its other partitions (overlays)",
                _ => $"its {d.DataType} objects",
            });
        }
        if (left.Count > 0) reporter.Warning($"{shown}: the new image leaves out {string.Join(", ", left)}");
        string architecture = sif.PrimaryArchitecture ?? SifArch.Name("00");
        (IReadOnlyList<string> compression, string? maker) = Made(sourceRecord, superblock);
        return new Source(root.Offset, root.Size, objects, architecture, Math.Max(sif.Header.CreatedAt, 0),
            compression, maker);
    }

    private static Source FromSquashFs(FileStream stream, string shown)
    {
        SquashFsSuperblock superblock = SquashFsSuperblock.Read(stream, 0, stream.Length);
        Span<byte> sb = stackalloc byte[12];
        stream.Position = 0;
        stream.ReadExactly(sb);
        string open = ForChild(stream);
        ImageConfig config = ImageInspector.InTreeConfig(open, shown);
        (IReadOnlyList<string> compression, string? maker) = Made(ImageInspector.InTreeBuild(open), superblock);
        SifObject[] objects =
        [
            new(SifDataType.GenericJson, SifMetadata.ConfigName,
                JsonSerializer.SerializeToUtf8Bytes(config, ImageConfigJson.Default.ImageConfig)),
            new(SifDataType.Labels, "labels.json", JsonSerializer.SerializeToUtf8Bytes(config.Labels,
                ImageConfigJson.Default.IReadOnlyDictionaryStringString)),
        ];
        return new Source(0, stream.Length, objects, HostPlatform.Architecture,
            BinaryPrimitives.ReadUInt32LittleEndian(sb[8..]), compression, maker); // mkfs_time
    }

    /// <summary>How the source's file system was made, as its build record says (the compression arguments and what
    /// squashed it: a SIF's object, a bare SquashFS's /.hpcrun/build.json); without one, what its superblock tells
    /// (<see cref="Compressor"/>), and no maker.</summary>
    private static (IReadOnlyList<string> Compression, string? Maker) Made(BuildRecord? record,
        SquashFsSuperblock superblock) =>
        record?.MksquashfsArgs is { } arguments ? (arguments, record.FileSystemMaker) : (Compressor(superblock), null);

    /// <summary>Copies the file system of <paramref name="from"/> while its every block is read
    /// (<see cref="SquashFsCheck"/>, on the source: the copy has its bytes), so that a damaged image is refused rather
    /// than copied; its SHA-256 (hex).</summary>
    /// <exception cref="ImageFormatException">A block of it cannot be read or decompressed.</exception>
    private static string CheckedCopy(FileStream source, Source from, FileStream into, string shown,
        IBuildReporter reporter, CancellationToken cancel)
    {
        string open = ForChild(source);
        using var checking = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        Task check = Task.Run(() => SquashFsCheck.Run(open, from.Offset, shown, checking.Token),
            CancellationToken.None);
        string digest;
        try { digest = CopyPartition(source, from.Offset, from.Size, into, shown, reporter, cancel); }
        catch
        {
            checking.Cancel();
            Task.WhenAny(check).Wait(); // its end, whatever it was: the copy's failure is the one said
            throw;
        }
        using (IBuildStep step = reporter.Step($"reading every block of {shown}", null))
        {
            check.GetAwaiter().GetResult();
            step.Done();
        }
        return digest;
    }

    /// <summary>The path by which unsquashfs, a child, reaches the open <paramref name="source"/>: this process's
    /// descriptor (the child inherits none).</summary>
    private static string ForChild(FileStream source) =>
        $"/proc/{Environment.ProcessId}/fd/{source.SafeFileHandle.DangerousGetHandle()}";

    /// <summary>Copies the file system, checking for cancellation between chunks; its SHA-256 (hex).</summary>
    private static string CopyPartition(FileStream source, long offset, long size, FileStream into, string shown,
        IBuildReporter reporter, CancellationToken cancel)
    {
        using IBuildStep step = reporter.Step($"copying the file system of {shown}", size);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[1 << 20];
        source.Position = offset;
        for (long left = size; left > 0;)
        {
            cancel.ThrowIfCancellationRequested();
            int read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0) throw new ImageFormatException($"{shown}: truncated: its file system ends early");
            into.Write(buffer, 0, read);
            hash.AppendData(buffer, 0, read);
            step.Advance(read);
            left -= read;
        }
        step.Done();
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static BuildRecord? Record(byte[] json)
    {
        try { return JsonSerializer.Deserialize(json, BuildRecordJson.Default.BuildRecord); }
        catch (JsonException) { return null; } // the record only informs
    }

    private static readonly string[] Compressors = ["", "gzip", "lzma", "lzo", "xz", "lz4", "zstd"];

    /// <summary>What is known of how a file system without hpcrun's record was compressed: its compressor, and its
    /// block size when it is not mksquashfs's default (128 KiB), in mksquashfs's words (-b 1M, -b 4K).</summary>
    private static IReadOnlyList<string> Compressor(SquashFsSuperblock superblock) =>
        superblock.BlockSize == DefaultBlockSize ? ["-comp", Compressors[superblock.Compression]]
            : ["-comp", Compressors[superblock.Compression], "-b", superblock.BlockSize % (1 << 20) == 0
                ? $"{superblock.BlockSize >> 20}M" : $"{superblock.BlockSize >> 10}K"];

    private const uint DefaultBlockSize = 128 << 10;

    private static string ArchCode(string architecture)
    {
        try { return SifArch.Code(architecture); }
        catch (ArgumentException) { return "00"; }
    }
}
