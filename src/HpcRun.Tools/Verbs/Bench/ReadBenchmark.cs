using System.IO.Enumeration;
using HpcRun.Image;

namespace HpcRun.Tools.Verbs.Bench;

/// <summary>
/// The read path: every file of one tree (default /usr) found and read, `find TREE -type f -exec cat {} +`,
/// by the image's shell inside the image and by the host's on the same tree outside it: a directory image's own
/// tree, or a copy of a SquashFS or SIF image's tree that unsquashfs makes in the node's temporary directory.
/// A round is one read of the whole tree; the page cache is warm on both sides (each read it once first).
/// </summary>
internal sealed class ReadBenchmark(BenchContext context, string tree) : Benchmark(context)
{
    private const string Script = "find \"$1\" -type f -exec cat {} + > /dev/null";
    private string nativeTree = "";
    private IReadOnlyList<Measure> measures = [];

    public override string Name => "read";

    public override IReadOnlyList<Measure> Measures => measures;

    public override string? Prepare()
    {
        string? why = NativeCopy(out nativeTree);
        if (why is not null) return why;
        (long files, long bytes) = Count(nativeTree);
        measures = [new($"read {tree} ({files:N0} files, {bytes / 1e6:N0} MB)", "s", HigherIsBetter: false)];
        CommandRun native = Context.Commands.Run(Argv(Side.Native));
        if (!native.Succeeded) return $"the host cannot read its copy of {tree}: {native.Failure}";
        CommandRun inside = Context.Commands.Run(Argv(Side.Hpcrun));
        return inside.Succeeded ? null : $"reading {tree} in the image failed: {inside.Failure}";
    }

    public override double[] Round(Side side) => [MustRun(Argv(side)).Elapsed.TotalSeconds];

    private string[] Argv(Side side) => side == Side.Native
        ? ["/bin/sh", "-c", Script, "sh", nativeTree]
        : Context.Inside("/bin/sh", "-c", Script, "sh", tree);

    /// <summary>Where the host reads the image's tree: in a directory image itself, else in a copy.</summary>
    private string? NativeCopy(out string path)
    {
        string relative = tree.TrimStart('/');
        if (Context.Image.Kind == ImageKind.Directory)
        {
            path = Path.Combine(Context.Image.Path, relative);
            return Directory.Exists(path) ? null : $"the image has no directory {tree}";
        }
        path = Path.Combine(Context.Local.Path, "tree", relative);
        if (CommandRunner.OnPath("unsquashfs") is not { } unsquashfs)
            return $"no unsquashfs on the PATH (package squashfs-tools) to copy {tree} out of the image";
        // Status 2 is unsquashfs's "non-fatal errors" (ownership or xattrs a user cannot set): the files are there.
        CommandRun copy = Context.Commands.Run([unsquashfs, "-no-progress", "-quiet", "-dest",
            Path.Combine(Context.Local.Path, "tree"), "-offset", $"{Context.Image.Offset}", Context.Image.Path, tree]);
        if (copy.Status is not (0 or 2)) return $"unsquashfs could not copy {tree} out of the image: {copy.Failure}";
        return Directory.Exists(path) ? null : $"the image has no directory {tree}";
    }

    /// <summary>The regular files under <paramref name="root"/> (what `find -type f` finds: no symbolic links)
    /// and their bytes.</summary>
    private static (long Files, long Bytes) Count(string root)
    {
        var sizes = new FileSystemEnumerable<long>(root, (ref entry) => entry.Length, ScratchDirectory.Recursive)
        { ShouldIncludePredicate = (ref entry) => !entry.IsDirectory };
        long files = 0, bytes = 0;
        foreach (long size in sizes) { files++; bytes += size; }
        return (files, bytes);
    }
}
