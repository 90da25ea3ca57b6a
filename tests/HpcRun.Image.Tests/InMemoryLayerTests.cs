using HpcRun.Build;
using HpcRun.Build.SquashFs;
using HpcRun.Image.Tests.Fixtures;

namespace HpcRun.Image.Tests;

/// <summary>Every test of layers applied on disk, against the tree in memory that the SquashFS writer takes
/// (<see cref="FsTreeWriter"/>), written out for the same checks.</summary>
public sealed class InMemoryLayerFlattenerTests() : LayerFlattenerTests(inMemory: true);

/// <inheritdoc cref="InMemoryLayerFlattenerTests"/>
public sealed class InMemoryLayerTimesAndNamesTests() : LayerTimesAndNamesTests(inMemory: true);

/// <summary>What only the tree in memory has: nodes shared by hard links, content stored as it is read whether a
/// later layer keeps it or not, and the files a bare SquashFS carries added as mksquashfs adds pseudo files.
/// </summary>
public sealed class FsTreeWriterTests
{
    private readonly FsTreeOnDisk store = new();
    private readonly RecordingReporter reporter = new();

    private FsTreeWriter Apply(params LayerTar[] layers)
    {
        var tree = new FsTreeWriter(store.Store, reporter, 1000);
        string[] files = [.. layers.Select(layer => layer.WriteTo(Path.GetTempFileName()))];
        try { new LayerFlattener(tree, reporter).Apply([.. files.Select(f => Flattening.FileBlob(f, null, null, f))]); }
        finally { foreach (string file in files) File.Delete(file); }
        return tree;
    }

    [Fact]
    public void A_hard_link_is_the_same_node_under_two_names_and_overwritten_content_is_stored_all_the_same()
    {
        FsDirectory root = Apply(new LayerTar().Dir("d").File("d/a", "1").HardLink("d/b", "d/a").File("c", "old"),
            new LayerTar().File("c", "new")).Root;
        var d = (FsDirectory)root.Entries["d"];
        Assert.Same(d.Entries["a"], d.Entries["b"]);
        Assert.Equal(3, store.Stored); // "old" too: the writer leaves out what no node refers to
        Assert.Equal(3, ((FsFile)root.Entries["c"]).Data.Length);
    }

    [Fact]
    public void Added_files_replace_what_is_there_keep_a_directory_and_make_the_missing_ones()
    {
        FsTreeWriter tree = Apply(new LayerTar().Dir("kept", (UnixFileMode)0b111_000_000).File("kept/f", "x")
            .File("file", "x"));
        var added = new FsFile(new FileData { Length = 1 });
        tree.Root.Add("/kept/f", added, 1000);
        tree.Root.Add("/file/g", added, 1000);
        tree.Root.Add("/new/deep/h", added, 1000);
        var kept = (FsDirectory)tree.Root.Entries["kept"];
        Assert.Equal((0b111_000_000u, added), (kept.Permissions, kept.Entries["f"]));
        var made = (FsDirectory)((FsDirectory)tree.Root.Entries["new"]).Entries["deep"];
        Assert.Equal((0b111_101_101u, 1000u), (made.Permissions, made.ModifiedSeconds));
        Assert.Same(added, ((FsDirectory)tree.Root.Entries["file"]).Entries["g"]);
    }
}
