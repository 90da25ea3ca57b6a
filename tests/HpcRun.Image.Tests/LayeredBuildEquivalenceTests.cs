using HpcRun.Image.Tests.Fixtures;

namespace HpcRun.Image.Tests;

/// <summary>A layered source written straight into SquashFS by hpcrun's writer, and by mksquashfs from the layers
/// applied on disk: the same file system (<see cref="SameFileSystem"/>), in a SIF or a bare SquashFS, with
/// SOURCE_DATE_EPOCH or without.</summary>
public sealed class LayeredBuildEquivalenceTests : IDisposable
{
    private const long Epoch = 1650000000;
    private readonly Building building = new();
    private Sandbox sandbox => building.Sandbox;

    public void Dispose() => building.Dispose();

    private static byte[] B(string latin1) => RawTar.Bytes(latin1);

    /// <summary>Two layers that exercise every rule: whiteouts, an opaque directory, files replaced, hard links (one
    /// whose target is replaced later, one to nothing, one to a directory), a parent written through a symlink, a
    /// directory replaced by a file and a file by a directory, devices, a 255-byte name, a path longer than PATH_MAX,
    /// a name that is not UTF-8, times before and after <see cref="Epoch"/> and past 2106, setuid bits, large,
    /// empty, duplicate and all-zero files, and hostile names ("../", absolute, a symlink to / written through).
    /// </summary>
    private static OciImage Image()
    {
        byte[] large = new byte[300_000];
        new Random(7).NextBytes(large);
        string deep = string.Join('/', Enumerable.Range(0, 25).Select(i => $"d{i:D2}".PadRight(199, 'x')));
        var lower = new RawTar().Directory(B("etc"), mtime: 1000000000).File(B("etc/passwd"), "root:x:0:0")
            .File(B("etc/gone"), "gone").Directory(B("opaque"), mode: "700").File(B("opaque/old"), "old")
            .Directory(B("opaque/sub")).File(B("opaque/sub/deep"), "deep")
            .Directory(B("usr")).Directory(B("usr/lib")).Directory(B("usr/bin"))
            .Header(B("usr/lib/libc.so"), '0', large.Length, "4755", 1700000000).Data(large)
            .Header(B("usr/bin/alias"), '1', 0, link: B("usr/lib/libc.so"))
            .Header(B("lib"), '2', 0, "777", 1600000000, B("usr/lib"))
            .File(B("replaced"), "v1").Header(B("keeps-v1"), '1', 0, link: B("replaced"))
            .Directory(B("dir-to-file")).File(B("dir-to-file/child"), "c").File(B("file-to-dir"), "f")
            .Directory(B("dev")).Header(B("dev/null"), '3', 0).Header(B("dev/fifo"), '6', 0)
            .Pax(("path", B(new string('n', 255)))).File(B("ignored"), "long name")
            .Header(B("zeros"), '0', 200_000, "644").Data(new byte[200_000])
            .File(B("same1"), "same").File(B("same2"), "same").File(B("empty"), "")
            .File(B("future"), "future", mtime: 4000000000)
            .Pax(("mtime", B("99999999999"))).File(B("past-2106"), "far")
            .File(B("caf\xe9"), "latin-1").Directory(B("group"), mode: "2775")
            .Pax(("path", B(deep + "/file"))).File(B("ignored"), "deep")
            .Header(B("abs-link"), '2', 0, link: B("/etc/passwd"))
            .ToArray();
        var upper = new RawTar().File(B("etc/.wh.gone"), "").File(B("opaque/.wh..wh..opq"), "")
            .File(B("opaque/new"), "new").File(B("lib/through-symlink"), "through")
            .File(B("replaced"), "v2").File(B("dir-to-file"), "now a file")
            .Directory(B("file-to-dir")).File(B("file-to-dir/child"), "child")
            .Directory(B("etc"), mtime: 1100000000, mode: "750")
            .File(B("../escape"), "x").File(B("/abs/file"), "x")
            .Header(B("root"), '2', 0, link: B("/")).File(B("root/etc/via-root"), "x")
            .Header(B("link-to-nothing"), '1', 0, link: B("nothing")).Header(B("link-to-dir"), '1', 0, link: B("etc"))
            .ToArray();
        return new OciImage().Layer(lower).Layer(upper);
    }

    private string Build(string layout, string name, bool sqfs, long? epoch, string[]? args) =>
        building.Build(layout, name, r => r with
        {
            SquashFsOnly = sqfs,
            SourceDateEpoch = epoch,
            MksquashfsArgs = args,
        });

    [Theory]
    [InlineData(false, false), InlineData(true, false), InlineData(false, true), InlineData(true, true)]
    public void The_writer_and_mksquashfs_give_the_same_file_system(bool sqfs, bool epoch)
    {
        string layout = OciImage.WriteLayout(sandbox.File("layout"), Image());
        string extension = sqfs ? "sqfs" : "sif";
        long? time = epoch ? Epoch : null;
        string written = Build(layout, $"written.{extension}", sqfs, time, null);
        Assert.DoesNotContain("making the SquashFS file system", building.Reporter.Steps);
        List<string> warnings = [.. building.Reporter.Warnings];
        Assert.Equal(3, warnings.Count); // the lower layer's two devices in one, two hard links to nothing or a dir
        string squashed = Build(layout, $"squashed.{extension}", sqfs, time, SameFileSystem.MksquashfsPath);
        Assert.Contains("making the SquashFS file system", building.Reporter.Steps);
        SameFileSystem.Assert(written, squashed, sqfs);
        Assert.Equal(warnings, building.Reporter.Warnings[warnings.Count..]);
    }

    [Fact]
    public void Two_builds_of_the_same_layout_are_byte_identical()
    {
        string layout = OciImage.WriteLayout(sandbox.File("layout"), Image());
        Assert.Equal(File.ReadAllBytes(Build(layout, "a.sif", false, null, null)),
            File.ReadAllBytes(Build(layout, "b.sif", false, null, null)));
    }
}
