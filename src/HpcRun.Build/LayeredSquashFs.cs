using HpcRun.Build.SquashFs;

namespace HpcRun.Build;

/// <summary>
/// Writes a layered image's file system straight from its layers' tar streams (<see cref="WrittenSquashFs"/>): no
/// tree on disk, no mksquashfs. The layers are applied into a tree in memory (<see cref="FsTreeWriter"/>, through
/// <see cref="LayerFlattener"/>: the semantics of the tree on disk), each file's content compressed as it is read;
/// what later layers overwrite or white out is left out at the end. The image equals, entry for entry, what
/// mksquashfs makes of the same layers applied on disk (<see cref="SquashFsMaker"/>), SOURCE_DATE_EPOCH included,
/// less the NFS export table and the empty xattr table mksquashfs adds by default (no reader of hpcrun's uses them);
/// the directories no layer describes have the job's time.
/// </summary>
internal static class LayeredSquashFs
{
    public static void Write(IReadOnlyList<LayerBlob> layers, WrittenSquashFs.Job job, IBuildReporter reporter,
        CancellationToken cancel) =>
        WrittenSquashFs.Write(job, writer =>
        {
            var tree = new FsTreeWriter(writer.AddData, reporter, job.Time);
            new LayerFlattener(tree, reporter).Apply(layers, cancel);
            return tree.Root;
        }, reporter, cancel);
}
