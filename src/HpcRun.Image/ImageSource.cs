using HpcRun.Image.Formats;
using HpcRun.Image.Metadata;
using HpcRun.Image.Posix;
using HpcRun.Image.Sif;
using HpcRun.Image.Text;

namespace HpcRun.Image;

public enum ImageKind { Directory, SquashFs, Sif }

/// <summary>A runnable image on the host: a directory, or a SquashFS file system found at
/// <see cref="Offset"/> in <see cref="Path"/> (0 for a bare SquashFS file, the PrimSys
/// partition's offset in a SIF).</summary>
public sealed record ImageSource(string Path, ImageKind Kind, long Offset = 0)
{
    private readonly string? name;

    /// <summary>The image as the user knows it, for messages and the job's environment;
    /// <see cref="Path"/> unless the image is read through another path (a pinned descriptor's).</summary>
    public string Name { get => name ?? Path; init => name = value; }

    /// <summary>The path the user typed for the image (relative or absolute, symlinks not resolved), for the job's
    /// APPTAINER_CONTAINER as Apptainer sets it; null when the image was not named by a path.</summary>
    public string? AsTyped { get; init; }

    /// <summary>The config a SIF carries outside its file system; null for other images.</summary>
    public ImageConfig? EmbeddedConfig { get; init; }

    /// <summary>The CPU architecture a SIF says its root file system is for, as OCI names it ("arm64")
    /// (<see cref="SifFile.PrimaryArchitecture"/>); null for other images and for a SIF that names none.</summary>
    public string? Architecture { get; init; }

    /// <summary>A SIF's overlay partitions (`apptainer overlay create IMG.sif` adds one, ext3), which Apptainer mounts
    /// over the root file system and hpcrun does not; none for other images.</summary>
    public IReadOnlyList<SifDescriptor> Overlays { get; init; } = [];

    /// <summary>Recognises the image at <paramref name="path"/> and checks it is complete.
    /// Throws <see cref="FileNotFoundException"/> when nothing is there and
    /// <see cref="ImageFormatException"/> when it is not a usable image.</summary>
    public static ImageSource Probe(string path)
    {
        int type = PosixFile.Type(path);
        if (type == PosixFile.Directory) return new ImageSource(path, ImageKind.Directory);
        if (type < 0) throw new MissingFileException($"image not found: {Shown.Path(path)}", path);
        if (type != PosixFile.Regular)
            throw new ImageFormatException("not an image: neither a directory nor a SquashFS or SIF file");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        Span<byte> head = stackalloc byte[SifHeader.Size];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (SquashFsSuperblock.HasMagic(head[..read]))
        {
            SquashFsSuperblock.Read(stream, 0, stream.Length);
            return new ImageSource(path, ImageKind.SquashFs);
        }
        if (SifFile.HasMagic(head[..read])) return ProbeSif(path, stream);
        throw new ImageFormatException("not an image: neither a directory nor a SquashFS or SIF file");
    }

    /// <summary>Whether <paramref name="path"/> is a file that starts like a SquashFS or SIF image
    /// (a quick look at its first bytes, nothing checked). Plain open, read and close: the launcher asks this of
    /// its image argument at every start.</summary>
    public static bool LooksLikeImageFile(string path)
    {
        if (path.StartsWith('-') || !PosixFile.IsRegular(path)) return false;
        Span<byte> head = stackalloc byte[SifHeader.Size];
        int read = Libc.ReadStart(path, head);
        return read > 0 && (SquashFsSuperblock.HasMagic(head[..read]) || SifFile.HasMagic(head[..read]));
    }

    internal static ImageSource ProbeSif(string path, Stream stream)
    {
        SifFile sif = SifFile.Read(stream);
        SifDescriptor root = sif.PrimarySystem
            ?? throw new ImageFormatException("SIF has no primary system partition: nothing to run");
        if (root.FsType != SifFsType.Squashfs)
            throw new ImageFormatException(
                $"SIF primary partition is {root.FsType?.ToString() ?? "unknown"}, hpcrun runs SquashFS only");
        SquashFsSuperblock.Read(stream, root.Offset, root.Size);
        return new ImageSource(path, ImageKind.Sif, root.Offset)
        {
            EmbeddedConfig = SifMetadata.Read(stream, sif).Config,
            Architecture = sif.PrimaryArchitecture,
            Overlays = [.. sif.Objects.Where(d => d.PartType == SifPartType.Overlay)],
        };
    }
}
