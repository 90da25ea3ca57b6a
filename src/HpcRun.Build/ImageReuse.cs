using HpcRun.Build.SquashFs;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build;

/// <summary>
/// The earlier image a recipe build's writer copies compressed blocks from (<see cref="BlockReuse"/>), kept in a
/// directory of the recipe build cache (<see cref="BuildRequest.ReuseDirectory"/>: the entry of the step the image's
/// tree shares its files with): <see cref="IndexName"/>, a <see cref="ReuseIndex"/>, and the image file it names, a
/// private copy of an image the writer wrote. Kept once, when the directory has none this writer can use: the first
/// build of a tree keeps its image, the rebuilds after it copy from that one. Only an optimisation: what cannot be
/// read or kept is left (-v says why an index is not read), and the writer compresses as it would have.
/// </summary>
internal static class ImageReuse
{
    public const string IndexName = "squashfs-reuse.index";
    private const string ImagePrefix = "squashfs-reuse-";
    private const int MaxIndex = 64 << 20; // bytes: an index is ~100 bytes a file of a block or more

    /// <summary>What the writer <paramref name="writer"/> (<see cref="ReuseIndex.WriterOf"/>) reuses from
    /// <paramref name="directory"/>: its index and image when both are whole and the image has not changed since
    /// it was indexed (inode, birth, change and modification times, size); else nothing, and the image written is
    /// recorded for <see cref="Keep"/>. Why an index there is not used goes to <paramref name="reporter"/>'s notes
    /// (-v), with why the copying stops, should a read of the image come up short.</summary>
    public static BlockReuse Open(string directory, string writer, IBuildReporter reporter)
    {
        string shown = Shown.Path(directory);
        void NotReused(string why) =>
            reporter.Note($"not copying the compressed blocks of the earlier image in {shown}: {why}");
        (ReuseIndex?, SafeFileHandle?, long) found = Load(directory, writer, out string? why);
        if (why is not null) NotReused(why);
        return found is ({ } index, { } image, long size)
            ? new BlockReuse(index, image, size, null,
                () => NotReused("a read of its image came up short; compressing the rest instead"))
            : new BlockReuse(null, null, 0, writer);
    }

    /// <summary>The index and image in <paramref name="directory"/> that <paramref name="writer"/> can use; else
    /// none, and <paramref name="why"/>, unless the directory has no index.</summary>
    private static (ReuseIndex?, SafeFileHandle?, long) Load(string directory, string writer, out string? why)
    {
        why = null;
        try
        {
            // Neither file is waited on: a FIFO in the place of either is no index or image (Libc.ReadRegularFile).
            if (ReadRegularFile(Path.Combine(directory, IndexName), MaxIndex + 1, out int errno) is not { } bytes)
            {
                why = errno == 0 ? "its index is not a regular file"
                    : errno == ENOENT ? null : $"cannot read its index: {IoError.Describe(errno)}";
                return default;
            }
            if (bytes.Length > MaxIndex || ReuseIndex.Read(bytes, writer, out why) is not { } index
                || index.Image.Contains('/') || index.Image.Length == 0)
            {
                why = bytes.Length > MaxIndex ? "its index is damaged" : why;
                return default;
            }
            SafeFileHandle image = Libc.Open(Cwd, Path.Combine(directory, index.Image),
                O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
            errno = Errno;
            Statx? s = image.IsInvalid ? null : Stat(image, "");
            if (s is { Type: S_IFREG } && ReuseIndex.StatOf(s.Value) == index.ImageStat)
                return (index, image, (long)s.Value.Size);
            image.Dispose();
            why = image.IsInvalid ? $"cannot open its image {index.Image}: {IoError.Describe(errno)}"
                : s is { Type: S_IFREG } ? $"its image {index.Image} changed since it was indexed"
                : $"its image {index.Image} is not a regular file";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            why = $"cannot read it: {IoError.Describe(e)}";
        }
        return default;
    }

    /// <summary>Keeps the image at <paramref name="imagePath"/> (its superblock at <paramref name="offset"/>) and
    /// what <paramref name="reuse"/> recorded of it in <paramref name="directory"/>, when it recorded: a copy of
    /// the image flushed to disk, then the index naming it, written whole under a temporary name and renamed over
    /// the one there (the images no index names then go), so that a reader sees either index and a crash leaves no
    /// index whose image lost its bytes.</summary>
    public static void Keep(string directory, BlockReuse reuse, string imagePath, long offset)
    {
        if (reuse.Written is not { } index) return;
        string name = $"{ImagePrefix}{Guid.NewGuid():N}.img", image = Path.Combine(directory, name);
        string temporary = Path.Combine(directory, $".{IndexName}-{Guid.NewGuid():N}");
        bool named = false;
        try
        {
            File.Copy(imagePath, image);
            using (var copy = new FileStream(image, FileMode.Open, FileAccess.ReadWrite))
            {
                copy.Flush(flushToDisk: true);
                Statx s = Stat(copy.SafeFileHandle, "") ?? throw new IOException("cannot stat the copy");
                (index.Image, index.Offset, index.ImageStat) = (name, offset, ReuseIndex.StatOf(s));
            }
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                file.Write(index.ToBytes());
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, Path.Combine(directory, IndexName), overwrite: true);
            named = true;
            foreach (string earlier in Directory.EnumerateFiles(directory, ImagePrefix + "*"))
                if (Path.GetFileName(earlier) != name) File.Delete(earlier);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
                if (!named) File.Delete(image);
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException) { }
        }
    }
}
