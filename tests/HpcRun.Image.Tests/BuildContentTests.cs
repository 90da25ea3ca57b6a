using HpcRun.Build;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.Image.Text;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests;

/// <summary>What a built image holds, from real archives (GNU tar) and directories: file times, names of any
/// bytes, hard links to symlinks, paths longer than PATH_MAX.</summary>
public sealed class BuildContentTests : IDisposable
{
    private static readonly string[] Timed =
        ["lib/python", "lib/python/mod.py", "lib/python/mod.pyc", "lib/python/link"];
    private readonly Building building = new();
    private Sandbox sandbox => building.Sandbox;

    public void Dispose() => building.Dispose();

    private static byte[] B(string latin1) => RawTar.Bytes(latin1);

    /// <summary>Runs a shell script with <paramref name="args"/> as $1...: names that are not UTF-8 come from
    /// printf.</summary>
    private static void Sh(string script, params string[] args) =>
        TestEnvironment.RunChecked("sh", ["-c", script, "sh", .. args]);

    /// <summary>GNU tar's archive of <paramref name="tree"/> (of <paramref name="names"/> in it, or all).</summary>
    private byte[] GnuTar(string tree, string names = ".")
    {
        string tar = sandbox.File($"{Path.GetFileName(tree)}.tar");
        Sh($"tar -C \"$1\" -cf \"$2\" {names}", tree, tar);
        return File.ReadAllBytes(tar);
    }

    /// <summary>Builds an image of one layer, <paramref name="tar"/>.</summary>
    private string BuildLayer(byte[] tar, string name = "layer.sif") =>
        building.Build(OciImage.WriteLayout(sandbox.File($"{name}.layout"), new OciImage().Layer(tar)), name);

    /// <summary>A tree with files and a symlink at set times, each directory's time set after its contents.</summary>
    private string TimedTree()
    {
        string tree = sandbox.File("tree");
        Sh("mkdir -p \"$1/lib/python\" && cd \"$1\" && echo x > lib/python/mod.py && echo y > lib/python/mod.pyc"
            + " && ln -s mod.py lib/python/link && touch -d @1500000000 lib/python/mod.py"
            + " && touch -d @1500000100 lib/python/mod.pyc && touch -h -d @1400000000 lib/python/link"
            + " && touch -d @1300000000 lib/python lib .", tree);
        return tree;
    }

    [Fact]
    public void A_directory_build_keeps_every_files_time_and_the_layer_build_of_the_same_tree_too()
    {
        string tree = TimedTree();
        string[] paths = ["/", "lib", .. Timed];
        foreach (string sif in new[] { building.Build(tree, "dir.sif"), BuildLayer(GnuTar(tree)) })
        {
            var entries = Building.Entries(sif);
            Assert.Equal([1300000000L, 1300000000, 1300000000, 1500000000, 1500000100, 1400000000],
                paths.Select(p => entries[p].Time));
        }
    }

    [Fact]
    public void Source_date_epoch_clamps_only_the_times_after_it()
    {
        string sif = building.Build(TimedTree(), with: r => r with { SourceDateEpoch = 1450000000 });
        var entries = Building.Entries(sif);
        Assert.Equal([1300000000L, 1450000000, 1450000000, 1400000000], Timed.Select(p => entries[p].Time));
        Assert.Equal(1450000000, SquashFsListing.MkfsTime(sif, Sif.SifWriter.PartitionOffset));
    }

    [Fact]
    public void Names_that_are_not_utf8_pass_through_directory_and_layer_builds_exactly()
    {
        string tree = sandbox.File("tree");
        Sh("d=\"$1/d$(printf '\\377')\" && mkdir -p \"$d\" && printf latin-1 > \"$d/caf$(printf '\\351').txt\"", tree);
        string expected = RawText.Decode(B("d\xff/caf\xe9.txt"));
        foreach (string sif in new[] { building.Build(tree, "dir.sif"), BuildLayer(GnuTar(tree)) })
        {
            var entries = Building.Entries(sif);
            Assert.Contains(expected, entries.Keys);
            Assert.DoesNotContain(entries.Keys, name => name.Contains('\uFFFD'));
        }
    }

    [Fact]
    public void A_gnu_tar_hard_link_to_a_symlink_becomes_that_symlink_in_the_image()
    {
        string tree = sandbox.File("tree");
        Sh("mkdir -p \"$1\" && cd \"$1\" && echo t > target && ln -s target soft && ln -P soft hard", tree);
        byte[] tar = GnuTar(tree, "target soft hard");
        Sh("tar -tvf \"$1\" | grep -q '^h.* hard link to soft'", sandbox.File("tree.tar")); // what GNU tar wrote
        var entries = Building.Entries(BuildLayer(tar));
        Assert.Equal(('S', "target"), (entries["hard"].Type, entries["hard"].Rest));
        Assert.Empty(building.Reporter.Warnings);
    }

    [Fact]
    public void A_legal_path_longer_than_path_max_reaches_the_image()
    {
        string directory = string.Join('/', Enumerable.Range(0, 30).Select(i => $"d{i:D3}".PadRight(199, 'x')));
        byte[] layer = new RawTar().Pax(("path", B(directory + "/file"))).File(B("x"), "deep", mtime: 1234)
            .Pax(("path", B(directory + "/link")), ("linkpath", B("file"))).Header(B("y"), '2', 0, mtime: 1235)
            .ToArray();
        var entries = Building.Entries(BuildLayer(layer));
        Assert.Equal(('R', 1234L), (entries[directory + "/file"].Type, entries[directory + "/file"].Time));
        Assert.Equal(('S', "file"), (entries[directory + "/link"].Type, entries[directory + "/link"].Rest));
        Assert.Equal('D', entries[directory].Type);
        Assert.True((directory + "/file").Length > 6000);
    }

    [Fact]
    public void A_directory_path_mksquashfs_cannot_open_stops_the_build_or_is_skipped_with_a_warning()
    {
        string tree = sandbox.File("tree");
        string deep = string.Join('/', Enumerable.Range(0, 25).Select(i => $"{i}".PadRight(200, 'd')));
        Sh("mkdir -p \"$1/$2\" && echo x > \"$1/kept\"", tree, deep); // coreutils walks it a directory at a time
        var e = Assert.Throws<ImageBuildException>(() => building.Build(tree));
        Assert.Equal(BuildFailure.SourceUnreadable, e.Failure);
        Assert.Contains("longer than the 4095 bytes mksquashfs can open", e.Message);
        var entries = Building.Entries(building.Build(tree, with: r => r with { SkipUnreadable = true }));
        Assert.Contains("kept", entries.Keys);
        string warning = $"skipped {tree}/0ddd";
        Assert.Contains(building.Reporter.Warnings, w => w.StartsWith(warning, StringComparison.Ordinal));
    }
}
