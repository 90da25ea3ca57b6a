using HpcRun.Image.Posix;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.Image.Text;

namespace HpcRun.Image.Tests;

/// <summary>What a layer says of each file reaches the tree exactly: its modification time, its name's bytes,
/// paths longer than PATH_MAX; malformed headers are refused in one line. <see cref="InMemoryLayerTimesAndNamesTests"/>
/// runs them all against the tree in memory that the SquashFS writer takes.</summary>
public class LayerTimesAndNamesTests : IDisposable
{
    private readonly Flattening flattening;

    public LayerTimesAndNamesTests() : this(inMemory: false) { }

    protected LayerTimesAndNamesTests(bool inMemory) => flattening = new(inMemory);

    public void Dispose()
    {
        flattening.Dispose();
        GC.SuppressFinalize(this);
    }

    private static byte[] B(string latin1) => RawTar.Bytes(latin1);

    [Fact]
    public void Files_symlinks_and_directories_keep_their_times_directories_after_what_is_written_into_them()
    {
        flattening.DefaultTime = 1600000000;
        flattening.Apply(
            new RawTar().Directory(B("etc"), mtime: 1000).File(B("etc/a"), "a", mtime: 2000)
                .Header(B("etc/l"), '2', 0, mtime: 3000, link: B("a")).ToArray(),
            new RawTar().File(B("etc/b"), "b", mtime: 4000).File(B("new/deep/file"), "x", mtime: 5000).ToArray());
        Assert.Equal([1000L, 2000, 3000, 4000, 1600000000, 1600000000, 5000],
            new[] { "etc", "etc/a", "etc/l", "etc/b", "new", "new/deep", "new/deep/file" }.Select(flattening.Mtime));
    }

    [Fact]
    public void A_directory_replaced_in_a_later_layer_takes_the_later_entrys_mode_and_time()
    {
        flattening.Apply(new RawTar().Directory(B("d"), mtime: 1000, mode: "700").ToArray(),
            new RawTar().Directory(B("d"), mtime: 2000, mode: "755").ToArray());
        Assert.Equal((2000L, (UnixFileMode)0b111_101_101), (flattening.Mtime("d"), flattening.Mode("d")));
    }

    [Fact]
    public void Names_that_are_not_utf8_are_written_with_their_bytes()
    {
        flattening.Apply(new RawTar().Directory(B("d\xff")).File(B("d\xff/caf\xe9.txt"), "latin-1").ToArray());
        Assert.NotNull(flattening.Stat(RawText.Decode(B("d\xff/caf\xe9.txt"))));
        Assert.Null(flattening.Stat("d\uFFFD/caf\uFFFD.txt"));
        Assert.Equal([B("d\xff")], Names(flattening.Sandbox.Root).Select(RawText.Encode));
    }

    [Fact]
    public void A_path_longer_than_path_max_is_written_through_directory_descriptors()
    {
        string path = string.Join('/', Enumerable.Range(0, 30).Select(i => $"d{i:D3}".PadRight(199, 'x'))) + "/file";
        flattening.Apply(new RawTar().Pax(("path", B(path))).File(B("ignored"), "deep", mtime: 1234).ToArray());
        Assert.Equal(1234, flattening.Mtime(path));
        Assert.True(path.Length > 6000);
    }

    /// <summary>A name longer than PATH_MAX that climbs out of its pieces with ".." is cleaned first, as containerd
    /// cleans it: climbing above the root stops there, so the file lands at the root, and no deep directory is
    /// made for it.</summary>
    [Fact]
    public void A_path_longer_than_path_max_that_climbs_out_of_its_pieces_is_cleaned_into_the_root()
    {
        string deep = string.Join('/', Enumerable.Range(0, 30).Select(i => $"d{i:D3}".PadRight(199, 'x')));
        string path = deep + "/" + string.Join('/', Enumerable.Repeat("..", 40)) + "/escaped";
        flattening.Apply(new RawTar().Pax(("path", B(path))).File(B("ignored"), "x").ToArray());
        Assert.NotNull(flattening.Stat("escaped"));
        Assert.Null(flattening.Stat("d000".PadRight(199, 'x')));
    }

    [Fact]
    public void A_path_nested_deeper_than_the_bound_is_refused_in_one_line()
    {
        string path = string.Join('/', Enumerable.Repeat("d", RootDir.MaxDepth + 1)) + "/file";
        byte[] layer = new RawTar().Pax(("path", B(path))).File(B("x"), "").ToArray();
        var e = Assert.Throws<ImageFormatException>(() => flattening.Apply(layer));
        Assert.Contains("deeper than", e.Message);
        Assert.True(e.Message.Length < 300, e.Message);
    }

    [Theory]
    [InlineData("size"), InlineData("uid")]
    public void A_layer_with_a_40_digit_pax_number_is_refused_in_one_line(string key)
    {
        byte[] layer = new RawTar().Pax((key, B(new string('7', 40)))).File(B("f"), "x").ToArray();
        var e = Assert.Throws<ImageFormatException>(() => flattening.Apply(layer));
        string expected = $"layer 1 is corrupt or truncated: tar entry at byte 1024: pax {key}";
        Assert.True(e.Message.StartsWith(expected), e.Message);
        Assert.True(e.Message.Length < 200 && !e.Message.Contains('\n'), e.Message);
    }

    private static List<string> Names(string directory)
    {
        using var fd = Libc.Open(Libc.Cwd, directory, Libc.O_RDONLY | Libc.O_DIRECTORY);
        return [.. Libc.ReadDirectory(fd, out _).Select(e => e.Name)];
    }
}
