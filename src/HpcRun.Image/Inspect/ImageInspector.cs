using System.Text.Json;
using HpcRun.Image.Formats;
using HpcRun.Image.Metadata;
using HpcRun.Image.Sif;
using HpcRun.Image.Text;

namespace HpcRun.Image.Inspect;

/// <summary>
/// Describes an image without mounting it: a SIF from its header, descriptors and metadata
/// objects; a SquashFS from its superblock and the config and build record read with unsquashfs; a directory
/// from its files. Its labels, runscript and definition file are those `inspect --labels/--runscript/--deffile` show
/// (<see cref="ApptainerAttributesReader"/>), so the text and the JSON of either form say the same.
/// </summary>
public static class ImageInspector
{
    private static readonly string[] compressions = ["none", "gzip", "lzma", "lzo", "xz", "lz4", "zstd"];

    /// <summary>Any SIF is described, runnable or not (signatures, data only); other files must be images.</summary>
    public static ImageInfo Inspect(string path)
    {
        ImageInfo info = File.Exists(path) && IsSif(path) ? InspectSif(path)
            : ImageSource.Probe(path).Kind == ImageKind.SquashFs ? InspectSquashFs(path) : InspectDirectory(path);
        ApptainerAttributes shown = ApptainerAttributesReader.Read(path,
            AttributeKinds.Labels | AttributeKinds.Runscript | AttributeKinds.Deffile);
        return info with
        {
            Config = info.Config with { Labels = shown.Labels ?? info.Config.Labels },
            Runscript = shown.Runscript,
            DefinitionFile = shown.Deffile,
        };
    }

    /// <summary>The config a bare SquashFS image (<paramref name="image"/>) carries inside
    /// (<see cref="ImageConfig.InTreePath"/>); empty when it has none.</summary>
    /// <exception cref="ImageFormatException">It is not JSON (<paramref name="shown"/> names the image).</exception>
    public static ImageConfig InTreeConfig(string image, string shown) =>
        ParseConfig(Unsquashfs.Output(image, 0, "-cat", ImageConfig.InTreePath.TrimStart('/')), shown);

    /// <summary>The build record a bare SquashFS image (<paramref name="image"/>) carries inside
    /// (<see cref="BuildRecord.InTreePath"/>); null when it has none, or one that cannot be read.</summary>
    public static BuildRecord? InTreeBuild(string image) =>
        BuildRecord.ParseOrNull(Unsquashfs.Output(image, 0, "-cat", BuildRecord.InTreePath.TrimStart('/')));

    internal static bool IsSif(string path)
    {
        using var stream = File.OpenRead(path);
        var head = new byte[SifHeader.Size];
        return SifFile.HasMagic(head.AsSpan(0, stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)));
    }

    private static ImageInfo InspectSif(string path)
    {
        using var stream = File.OpenRead(path);
        SifFile sif = SifFile.Read(stream);
        SifMetadata metadata = SifMetadata.Read(stream, sif);
        SifDescriptor? root = sif.PrimarySystem;
        return new ImageInfo
        {
            Path = path,
            Format = "sif",
            Architecture = sif.PrimaryArchitecture,
            Id = sif.Header.Id.ToString(),
            Created = SifText.Date(sif.Header.CreatedAt),
            Modified = SifText.Date(sif.Header.ModifiedAt),
            Size = sif.FileSize,
            Objects = [.. sif.Objects.Select(Describe)],
            FileSystem = root?.FsType == SifFsType.Squashfs ? SquashFsOrNull(stream, root.Offset, root.Size) : null,
            Config = metadata.Config,
            Build = metadata.Build,
        };
    }

    private static ObjectInfo Describe(SifDescriptor d) => new(d.Id, d.DataType.ToString(),
        d.Name.Length > 0 ? d.Name : null, d.GroupId,
        d.LinkedId == 0 ? null : d.LinksGroup ? $"group {d.LinkedTarget}" : $"object {d.LinkedTarget}",
        d.Offset, d.Size,
        d.FsType?.ToString(), d.PartType?.ToString(), d.Arch is { } arch ? SifArch.Name(arch) : null,
        d.HashType is { } hash ? $"{hash} {d.Entity}".TrimEnd() : null);

    private static ImageInfo InspectSquashFs(string path)
    {
        using var stream = File.OpenRead(path);
        return new ImageInfo
        {
            Path = path,
            Format = "squashfs",
            Size = stream.Length,
            FileSystem = SquashFs(stream, 0, stream.Length),
            Config = InTreeConfig(path, path),
            Build = InTreeBuild(path),
        };
    }

    private static ImageInfo InspectDirectory(string path)
    {
        string? Read(string inImage) =>
            File.Exists(Path.Join(path, inImage)) ? File.ReadAllText(Path.Join(path, inImage)) : null;
        return new ImageInfo
        {
            Path = path,
            Format = "directory",
            Config = ParseConfig(Read(ImageConfig.InTreePath), path),
            Build = BuildRecord.ParseOrNull(Read(BuildRecord.InTreePath)),
        };
    }

    /// <summary>Inspect describes a SIF whose partition is not a usable SquashFS (it just cannot run).</summary>
    private static SquashFsInfo? SquashFsOrNull(Stream stream, long offset, long size)
    {
        try { return SquashFs(stream, offset, size); }
        catch (ImageFormatException) { return null; }
    }

    private static SquashFsInfo SquashFs(Stream stream, long offset, long size)
    {
        SquashFsSuperblock sb = SquashFsSuperblock.Read(stream, offset, size);
        string compression = sb.Compression < compressions.Length ? compressions[sb.Compression] : $"{sb.Compression}";
        return new SquashFsInfo(offset, sb.BytesUsed, sb.Inodes, sb.BlockSize, compression);
    }

    private static ImageConfig ParseConfig(string? json, string path)
    {
        if (json is null) return ImageConfig.Empty;
        try { return ImageConfig.Parse(json); }
        catch (JsonException e)
        {
            throw new ImageFormatException($"{ImageConfig.InTreePath} in {path}: {JsonError.Describe(e)}");
        }
    }
}
