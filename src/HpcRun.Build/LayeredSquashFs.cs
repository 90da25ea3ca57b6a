using HpcRun.Build.SquashFs;
using HpcRun.Image.Formats;

namespace HpcRun.Build;

/// <summary>
/// Writes a layered image's file system straight from its layers' tar streams with <see cref="SquashFsWriter"/>:
/// no tree on disk, no mksquashfs. The layers are applied into a tree in memory (<see cref="FsTreeWriter"/>, through
/// <see cref="LayerFlattener"/>: the semantics of the tree on disk), each file's content compressed as it is read;
/// what later layers overwrite or white out is left out at the end. The image equals, entry for entry, what
/// mksquashfs makes of the same layers applied on disk (<see cref="SquashFsMaker"/>), SOURCE_DATE_EPOCH included,
/// less the NFS export table and the empty xattr table mksquashfs adds by default (no reader of hpcrun's uses them).
/// </summary>
internal static class LayeredSquashFs
{
    /// <summary>What to write: <paramref name="Layers"/> into <paramref name="Output"/>, the superblock at byte
    /// <paramref name="Offset"/>, blocks compressed with zlib at <paramref name="Level"/>; <paramref name="Time"/>
    /// (seconds since 1970) is the file system's, the added files' and their missing directories', and that of the
    /// directories no layer describes; <paramref name="Clamp"/> (SOURCE_DATE_EPOCH was given, and is
    /// <paramref name="Time"/>): every later time is taken down to it, as mksquashfs does (mksquashfs(1),
    /// "Environment"). <paramref name="Extras"/>: files put in the tree at their paths, mode 0644, over what is
    /// there.</summary>
    public sealed record Job(IReadOnlyList<LayerBlob> Layers, FileStream Output, long Offset, int Level, long Time,
        bool Clamp, IReadOnlyList<(string Path, byte[] Content)> Extras);

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

    public static void Write(Job job, IBuildReporter reporter, CancellationToken cancel)
    {
        using var writer = new SquashFsWriter(job.Output, job.Offset, job.Level, Environment.ProcessorCount);
        var tree = new FsTreeWriter(writer.AddData, reporter, job.Time);
        new LayerFlattener(tree, reporter).Apply(job.Layers, cancel);
        uint time = (uint)job.Time;
        foreach ((string path, byte[] content) in job.Extras)
            tree.Add(path, new FsFile(writer.AddData(new MemoryStream(content), content.Length, cancel))
            {
                Permissions = 0b110_100_100,
                ModifiedSeconds = time,
            });
        if (job.Clamp) ClampTimes(tree.Root, time);
        using IBuildStep step = reporter.Step("writing the SquashFS tables", null);
        writer.Finish(tree.Root, time, cancel);
        step.Done();
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
