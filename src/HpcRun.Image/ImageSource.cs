using HpcRun.Image.Formats;

namespace HpcRun.Image;

public enum ImageKind { Directory, SquashFs, Sif }

/// <summary>A runnable image on the host: a directory, or a SquashFS file system found at
/// <see cref="Offset"/> in <see cref="Path"/> (0 for a bare SquashFS file).</summary>
public sealed record ImageSource(string Path, ImageKind Kind, long Offset = 0)
{
    /// <summary>Recognises the image at <paramref name="path"/> and checks it is complete.
    /// Throws <see cref="FileNotFoundException"/> when nothing is there and
    /// <see cref="ImageFormatException"/> when it is not a usable image.</summary>
    public static ImageSource Probe(string path)
    {
        if (Directory.Exists(path)) return new ImageSource(path, ImageKind.Directory);
        if (!File.Exists(path)) throw new FileNotFoundException($"image not found: {path}", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        Span<byte> head = stackalloc byte[4];
        if (stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && SquashFsSuperblock.HasMagic(head))
        {
            SquashFsSuperblock.Read(stream, 0, stream.Length);
            return new ImageSource(path, ImageKind.SquashFs);
        }
        throw new ImageFormatException("not an image: neither a directory nor a SquashFS file");
    }
}
