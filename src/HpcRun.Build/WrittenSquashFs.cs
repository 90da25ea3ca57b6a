using HpcRun.Build.SquashFs;
using HpcRun.Image.Formats;

namespace HpcRun.Build;

/// <summary>
/// Makes an image's file system with hpcrun's own <see cref="SquashFsWriter"/> in place of mksquashfs, when the
/// mksquashfs arguments ask for nothing but gzip (<see cref="GzipLevel"/>): the source fills the tree in memory
/// (a layered image: <see cref="LayeredSquashFs"/>; a directory: <see cref="DirectorySquashFs"/>), each file's content
/// compressed as it is read; the added files go over it and times are clamped as <see cref="SquashFsMaker.Make"/>'s
/// pseudo definitions and SOURCE_DATE_EPOCH have mksquashfs do. ~1.7x less CPU than mksquashfs at the same level.
/// </summary>
internal static class WrittenSquashFs
{
    /// <summary>What to write: into <paramref name="Output"/>, the superblock at byte <paramref name="Offset"/>,
    /// blocks compressed with zlib at <paramref name="Level"/>; <paramref name="Time"/> (seconds since 1970) is the
    /// file system's, the added files' and their missing directories'; <paramref name="Clamp"/> (SOURCE_DATE_EPOCH
    /// was given, and is <paramref name="Time"/>): every later time is taken down to it, as mksquashfs does
    /// (mksquashfs(1), "Environment"). <paramref name="Extras"/>: files put in the tree at their paths, with their
    /// modes, over what is there. <paramref name="Reuse"/>: what the writer copies from an earlier image and keeps
    /// of this one (<see cref="ImageReuse"/>), or null.</summary>
    public sealed record Job(FileStream Output, long Offset, int Level, long Time, bool Clamp,
        IReadOnlyList<SquashFsMaker.ExtraFile> Extras, BlockReuse? Reuse = null);

    /// <summary>The gzip level <paramref name="args"/> (checked by <see cref="MksquashfsArgs"/>) ask for when they
    /// ask for nothing but gzip ("-comp gzip", "-Xcompression-level N", either or none: level
    /// <see cref="SquashFsMaker.GzipLevel"/>); null when they ask anything else, which mksquashfs then does.</summary>
    public static int? GzipLevel(IReadOnlyList<string> args)
    {
        int level = SquashFsMaker.GzipLevel;
        for (int i = 0; i < args.Count; i += 2)
            switch (args[i])
            {
                case "-comp" when i + 1 < args.Count && args[i + 1] == MksquashfsArgs.DefaultCompressor: break;
                case "-Xcompression-level" when i + 1 < args.Count && int.TryParse(args[i + 1], out level)
                    && level is >= 1 and <= 9:
                    break;
                default: return null;
            }
        return level;
    }

    /// <summary>Writes the file system of the tree <paramref name="fill"/> makes, its content stored with the writer
    /// it is given. Returns false, with the output to be thrown away, when <paramref name="fill"/> returns null: the
    /// source holds what the writer cannot keep, and mksquashfs is to make the image.</summary>
    public static bool Write(Job job, Func<SquashFsWriter, FsDirectory?> fill, IBuildReporter reporter,
        CancellationToken cancel)
    {
        using var writer = new SquashFsWriter(job.Output, job.Offset, job.Level, Environment.ProcessorCount)
        {
            Reuse = job.Reuse,
        };
        if (fill(writer) is not { } root) return false;
        uint time = (uint)job.Time;
        foreach (SquashFsMaker.ExtraFile extra in job.Extras)
            using (FileStream content = File.OpenRead(extra.HostPath))
                root.Add(extra.ImagePath, new FsFile(writer.AddData(content, content.Length, cancel))
                {
                    Permissions = (uint)extra.Mode,
                    ModifiedSeconds = time,
                }, time);
        if (job.Clamp) ClampTimes(root, time);
        using IBuildStep step = reporter.Step("writing the SquashFS tables", null);
        writer.Finish(root, time, cancel);
        step.Done();
        return true;
    }

    /// <summary>Takes every time later than <paramref name="bound"/> down to it (a hard link's node may be met twice).
    /// </summary>
    private static void ClampTimes(FsDirectory directory, uint bound)
    {
        directory.ModifiedSeconds = Math.Min(directory.ModifiedSeconds, bound);
        foreach (FsNode node in directory.Entries.Values)
            if (node is FsDirectory below) ClampTimes(below, bound);
            else node.ModifiedSeconds = Math.Min(node.ModifiedSeconds, bound);
    }
}
