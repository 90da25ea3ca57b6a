using HpcRun.Build;
using HpcRun.Image.Posix;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.Image.Text;

namespace HpcRun.Image.Tests;

/// <summary>Layers applied into a directory, as `hpcrun build` does before mksquashfs: whiteouts, links,
/// modes, and hostile layers kept inside the root. <see cref="InMemoryLayerFlattenerTests"/> runs them all against
/// the tree in memory that the SquashFS writer takes.</summary>
public class LayerFlattenerTests : IDisposable
{
    private readonly Flattening flattening;

    public LayerFlattenerTests() : this(inMemory: false) { }

    protected LayerFlattenerTests(bool inMemory) => flattening = new(inMemory);
    private Sandbox sandbox => flattening.Sandbox;
    private RecordingReporter reporter => flattening.Reporter;

    public void Dispose()
    {
        flattening.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Apply(params LayerTar[] tars) => flattening.Apply(tars);

    private void Apply(params LayerBlob[] blobs) => flattening.Apply(blobs);

    private string InRoot(string path) => flattening.InRoot(path);

    [Theory]
    [InlineData(Compression.None)]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    [InlineData(Compression.Xz)]
    public void Compressed_layers_are_read(Compression compression)
    {
        string path = new LayerTar().Dir("etc").File("etc/hostname", "box")
            .WriteTo(sandbox.File("layer.tar"), compression);
        Apply(Flattening.FileBlob(path, null, null, "layer"));
        Assert.Equal("box", File.ReadAllText(InRoot("etc/hostname")));
    }

    [Fact]
    public void Whiteouts_delete_and_opaque_directories_hide_lower_layers()
    {
        Apply(new LayerTar().Dir("a").File("a/gone", "1").File("a/kept", "2").Dir("b").File("b/old", "3"),
              new LayerTar().File("a/.wh.gone", "").Dir("b").File("b/.wh..wh..opq", "").File("b/new", "4"));
        Assert.False(File.Exists(InRoot("a/gone")));
        Assert.True(File.Exists(InRoot("a/kept")));
        Assert.Equal(["new"], Directory.GetFileSystemEntries(InRoot("b")).Select(Path.GetFileName));
    }

    [Fact]
    public void Whiteouts_that_name_no_entry_remove_nothing()
    {
        Apply(new LayerTar().Dir("a").File("a/kept", "1"),
              new LayerTar().File("a/.wh.", "").File("a/.wh..", "").File("a/.wh...", ""));
        Assert.True(File.Exists(InRoot("a/kept")));
    }

    [Fact]
    public void Hard_links_symlinks_and_modes_are_kept_but_setuid_and_setgid_dropped()
    {
        Apply(new LayerTar().Dir("bin")
            .File("bin/tool", "x", (UnixFileMode)0b111_101_101 | UnixFileMode.SetUser | UnixFileMode.SetGroup)
            .HardLink("bin/alias", "bin/tool").Symlink("bin/link", "tool")
            .Dir("ro", (UnixFileMode)0b101_101_101).File("ro/file", "r"));
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(InRoot("bin/tool")));
        Assert.Equal("tool", new FileInfo(InRoot("bin/link")).LinkTarget);
        Assert.Equal((UnixFileMode)0b101_101_101, File.GetUnixFileMode(InRoot("ro")));
        File.AppendAllText(InRoot("bin/alias"), "y"); // one inode, two names
        Assert.Equal("xy", File.ReadAllText(InRoot("bin/tool")));
    }

    /// <summary>One warning per layer, naming a few: a root file system's /dev alone holds a dozen nodes.</summary>
    [Fact]
    public void Device_nodes_and_fifos_are_skipped_with_one_warning_per_layer()
    {
        LayerTar dev = new LayerTar().Dir("dev").Fifo("dev/pipe");
        foreach (string name in (string[])["null", "zero", "full", "tty", "console", "random", "urandom"])
            dev.Device($"dev/{name}");
        Apply(dev, new LayerTar().Fifo("run/initctl"), new LayerTar().File("etc/hostname", "box"));
        Assert.Empty(Directory.GetFileSystemEntries(InRoot("dev")));
        Assert.Empty(Directory.GetFileSystemEntries(InRoot("run")));
        Assert.Equal(["layer 1: skipped 8 device nodes or FIFOs (an image keeps none): dev/console, dev/full, " +
            "dev/null, dev/pipe, dev/random and 3 more",
            "layer 2: skipped FIFO run/initctl (an image keeps no device nodes or FIFOs)"], reporter.Warnings);
    }

    [Fact]
    public void Absolute_names_land_inside_the_root()
    {
        string outside = Path.Combine(sandbox.Outside, "evil");
        Apply(new LayerTar().File(outside, "pwned"));
        Assert.False(File.Exists(outside));
        Assert.Equal("pwned", File.ReadAllText(InRoot(outside.TrimStart('/'))));
    }

    [Fact]
    public void Dot_dot_names_stop_at_the_root()
    {
        Apply(new LayerTar().File("../outside/evil", "pwned").File("a/../../../outside/evil2", "pwned"));
        Assert.Empty(Directory.GetFileSystemEntries(sandbox.Outside));
        Assert.True(File.Exists(InRoot("outside/evil")));
        Assert.True(File.Exists(InRoot("outside/evil2")));
    }

    /// <summary>A name whose last part is ".." is cleaned first, as containerd cleans it: "missing/x/.." is the file
    /// "missing", "a/b/.." the directory "a" (its mode given to it), where they were an internal error.</summary>
    [Fact]
    public void Names_ending_in_dot_dot_are_cleaned_before_they_are_written()
    {
        Apply(new LayerTar().Dir("a").File("missing/x/..", "cleaned").Dir("a/b/..", (UnixFileMode)0b111_000_000));
        Assert.Equal("cleaned", File.ReadAllText(InRoot("missing")));
        Assert.Equal((UnixFileMode)0b111_000_000, flattening.Mode("a"));
        Assert.False(Directory.Exists(InRoot("a/b")));
    }

    [Fact]
    public void A_relative_symlink_out_of_the_root_cannot_be_written_through()
    {
        Apply(new LayerTar().Symlink("escape", "../../outside"), new LayerTar().File("escape/evil", "pwned"));
        Assert.Empty(Directory.GetFileSystemEntries(sandbox.Outside));
        Assert.True(File.Exists(InRoot("outside/evil")));
    }

    [Fact]
    public void An_absolute_symlink_is_followed_inside_the_root()
    {
        Apply(new LayerTar().Symlink("escape", sandbox.Outside).File("escape/evil", "pwned"));
        Assert.Empty(Directory.GetFileSystemEntries(sandbox.Outside));
        Assert.True(File.Exists(InRoot(Path.Combine(sandbox.Outside.TrimStart('/'), "evil"))));
    }

    [Fact]
    public void A_file_over_a_symlink_replaces_the_link_instead_of_writing_its_target()
    {
        string target = Path.Combine(sandbox.Outside, "target");
        File.WriteAllText(target, "original");
        Apply(new LayerTar().Symlink("config", target), new LayerTar().File("config", "pwned"));
        Assert.Equal("original", File.ReadAllText(target));
        Assert.Null(new FileInfo(InRoot("config")).LinkTarget);
        Assert.Equal("pwned", File.ReadAllText(InRoot("config")));
    }

    [Fact]
    public void A_hard_link_to_a_file_outside_the_root_is_not_made()
    {
        string secret = Path.Combine(sandbox.Outside, "secret");
        File.WriteAllText(secret, "secret");
        Apply(new LayerTar().HardLink("stolen", "../outside/secret").HardLink("stolen2", secret)
            .Symlink("link", secret).HardLink("stolen3", "link"));
        Assert.False(Path.Exists(InRoot("stolen")));
        Assert.False(Path.Exists(InRoot("stolen2")));
        Assert.Equal(secret, new FileInfo(InRoot("stolen3")).LinkTarget); // the link itself, not the host file it names
        Assert.Equal(1u, Libc.Stat(Libc.Cwd, secret)!.Value.Links);
        Assert.Equal(2, reporter.Warnings.Count(w => w.Contains("hard link")));
    }

    [Fact]
    public void A_hard_link_to_a_symlink_links_the_symlink_itself_as_docker_and_gnu_tar_write_it()
    {
        Apply(new LayerTar().File("target", "t").Symlink("soft", "target").HardLink("hard", "soft"),
              new LayerTar().HardLink("later", "soft"));
        Assert.Equal("target", new FileInfo(InRoot("hard")).LinkTarget);
        Assert.Equal("target", new FileInfo(InRoot("later")).LinkTarget);
        Assert.Equal(3u, flattening.Stat("soft")!.Value.Links); // one inode, three names
        Assert.Empty(reporter.Warnings);
    }

    [Theory]
    [InlineData("absolute"), InlineData("relative")]
    public void Directory_modes_never_follow_a_later_layers_symlink_out_of_the_root(string kind)
    {
        string host = Directory.CreateDirectory(Path.Combine(sandbox.Outside, "a", "b")).Parent!.FullName;
        var hostOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        File.SetUnixFileMode(host, hostOnly);
        File.SetUnixFileMode(Path.Combine(host, "b"), hostOnly);
        var everyone = (UnixFileMode)0b111_111_111;
        Apply(new LayerTar().Dir("a", everyone).Dir("a/b", everyone).File("a/b/f", "x"),
              new LayerTar().Symlink("a", kind == "absolute" ? host : "../outside/a"));
        Assert.Equal(hostOnly, File.GetUnixFileMode(host));
        Assert.Equal(hostOnly, File.GetUnixFileMode(Path.Combine(host, "b")));
        Assert.Equal(kind == "absolute" ? host : "../outside/a", new FileInfo(InRoot("a")).LinkTarget);
    }

    [Fact]
    public void An_opaque_marker_keeps_what_its_own_layer_wrote_before_it()
    {
        Apply(new LayerTar().Dir("b").File("b/old", "1"),
              new LayerTar().Dir("b").File("b/early", "2").File("b/.wh..wh..opq", "").File("b/late", "3"));
        Assert.Equal(["early", "late"], Directory.GetFileSystemEntries(InRoot("b")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_hard_link_keeps_the_content_its_target_had_when_a_later_layer_replaces_the_target()
    {
        Apply(new LayerTar().File("a", "1").HardLink("b", "a"), new LayerTar().File("a", "2"));
        Assert.Equal(("2", "1"), (File.ReadAllText(InRoot("a")), File.ReadAllText(InRoot("b"))));
        Assert.Equal(1u, flattening.Stat("b")!.Value.Links);
    }

    [Fact]
    public void A_directory_replaced_by_a_file_and_a_file_by_a_directory()
    {
        Apply(new LayerTar().Dir("d").File("d/x", "x").File("f", "f"),
              new LayerTar().File("d", "now a file").Dir("f").File("f/y", "y"));
        Assert.Equal("now a file", File.ReadAllText(InRoot("d")));
        Assert.Equal("y", File.ReadAllText(InRoot("f/y")));
    }

    [Fact]
    public void A_symlinked_parent_directory_is_written_through_and_a_dangling_one_made()
    {
        Apply(new LayerTar().Dir("usr").Dir("usr/lib").Symlink("lib", "usr/lib").Symlink("opt", "/srv/opt"),
              new LayerTar().File("lib/x.so", "x").File("opt/y", "y"));
        Assert.Equal("x", File.ReadAllText(InRoot("usr/lib/x.so")));
        Assert.Equal("y", File.ReadAllText(InRoot("srv/opt/y")));
        Assert.Equal(("usr/lib", "/srv/opt"),
            (new FileInfo(InRoot("lib")).LinkTarget, new FileInfo(InRoot("opt")).LinkTarget));
    }

    /// <summary>A name part over NAME_MAX (255 bytes), and a symlink target of PATH_MAX bytes, are the layer's
    /// fault: one line naming the path.</summary>
    [Theory]
    [InlineData("file"), InlineData("directory"), InlineData("parent"), InlineData("symlink target")]
    public void A_name_longer_than_a_file_system_takes_is_refused(string what)
    {
        string name = new('n', 256);
        LayerTar layer = what switch
        {
            "file" => new LayerTar().File($"d/{name}", "x"),
            "directory" => new LayerTar().Dir($"d/{name}"),
            "parent" => new LayerTar().File($"d/{name}/f", "x"),
            _ => new LayerTar().Symlink("d/link", new string('t', 4096)),
        };
        var e = Assert.Throws<ImageFormatException>(() => Apply(layer));
        string path = what == "symlink target" ? "d/link" : what == "parent" ? $"d/{name}/f" : $"d/{name}";
        Assert.Equal($"name too long for a file system: {Shown.Path(path)}", e.Message);
    }

    /// <summary>A hard link in place of a directory that holds its target finds the target gone with it, as
    /// link(2) does once the directory is removed.</summary>
    [Fact]
    public void A_hard_link_over_the_directory_of_its_target_fails()
    {
        var e = Assert.Throws<PosixException>(() =>
            Apply(new LayerTar().Dir("a").File("a/f", "x").HardLink("a", "a/f")));
        Assert.Equal("cannot create a: No such file or directory", e.Message);
    }

    [Fact]
    public void Symlink_loops_are_refused() =>
        Assert.Throws<ImageFormatException>(() =>
            Apply(new LayerTar().Symlink("a", "b").Symlink("b", "a").File("a/x", "loop")));

    [Fact]
    public void A_layer_with_a_wrong_digest_is_refused()
    {
        string path = new LayerTar().File("f", "x").WriteTo(sandbox.File("layer.tar"));
        var blob = Flattening.FileBlob(path, null, "sha256:" + new string('0', 64), "layer 1");
        var e = Assert.Throws<ImageFormatException>(() => Apply(blob));
        Assert.Contains("digest", e.Message);
    }

    [Theory]
    [InlineData(Compression.Gzip), InlineData(Compression.Zstd)]
    public void A_truncated_compressed_layer_is_refused(Compression compression)
    {
        // One file of letters that compress evenly, so that half the stream ends inside its data whatever its
        // header (whose times are the clock's) holds. 50 files of one letter each compressed to little but their
        // headers, and now and then half the stream ended at an entry's end, which the tar reader takes for the
        // layer's end, as Go's does: a layer cut exactly there is caught only by its digests (Verify).
        var random = new Random(18);
        string letters = string.Concat(Enumerable.Range(0, 200_000).Select(_ => (char)('a' + random.Next(26))));
        byte[] bytes = new LayerTar().File("f", letters).Bytes(compression);
        File.WriteAllBytes(sandbox.File("layer"), bytes[..(bytes.Length / 2)]);
        var blob = Flattening.FileBlob(sandbox.File("layer"), null, null, "layer 1");
        Assert.Throws<ImageFormatException>(() => Apply(blob));
    }
}
