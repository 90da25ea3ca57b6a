using System.IO.Compression;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests;

/// <summary>A `docker save` archive or OCI layout tar told from another tar by its first entries
/// (<see cref="ArchiveContent"/>), plain or gzip'd, as the launch's refusal needs it.</summary>
public sealed class ArchiveContentTests : IDisposable
{
    private readonly Sandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    [Theory]
    [InlineData("blobs/", true)]
    [InlineData("./blobs/sha256/abc", true)]
    [InlineData("oci-layout", true)]
    [InlineData("index.json", true)]
    [InlineData("manifest.json", true)]
    [InlineData("repositories", true)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/", true)] // old docker save
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.json", true)]
    [InlineData("bin/", false)]
    [InlineData("./etc/os-release", false)]
    [InlineData("layout/oci-layout", false)] // a layout inside a directory: the build does not read it
    [InlineData("0123456789abcdef.json", false)]
    public void Its_first_entry_says_whether_a_tar_is_an_image_archive(string name, bool layout) =>
        Assert.Equal(layout, ArchiveContent.IsLayoutEntry(name));

    [Fact]
    public void Docker_save_archives_and_layout_tars_are_image_archives_plain_or_gzipped()
    {
        string docker = OciImage.Tar(OciImage.WriteDockerArchive(sandbox.File("docker"), Image()),
            sandbox.File("docker.tar"));
        string layout = OciImage.Tar(OciImage.WriteLayout(sandbox.File("layout"), Image()), sandbox.File("oci.tar"));
        foreach (string tar in new[] { docker, layout })
        {
            Assert.Equal(ArchiveKind.ImageArchive, ArchiveContent.Look(tar));
            Assert.Equal(ArchiveKind.ImageArchive, ArchiveContent.Look(Gzip(tar)));
        }
    }

    [Fact]
    public void Other_tars_other_files_and_compressions_the_launcher_does_not_read_are_told_apart()
    {
        string tree = Directory.CreateDirectory(sandbox.File("rootfs")).FullName;
        Directory.CreateDirectory(Path.Combine(tree, "bin"));
        File.WriteAllText(Path.Combine(tree, "bin", "tool"), "tool");
        string rootfs = sandbox.File("rootfs.tar");
        TestEnvironment.RunChecked("tar", "-cf", rootfs, "-C", tree, ".");
        Assert.Equal(ArchiveKind.OtherTar, ArchiveContent.Look(rootfs));
        Assert.Equal(ArchiveKind.OtherTar, ArchiveContent.Look(Gzip(rootfs)));
        // a long first name: a pax header before it (GNU tar's --format=posix), then the name decides
        string deep = Path.Combine(tree, new string('d', 120));
        Directory.CreateDirectory(deep);
        string pax = sandbox.File("pax.tar");
        TestEnvironment.RunChecked("tar", "--format=posix", "-cf", pax, "-C", tree, new string('d', 120));
        Assert.Equal(ArchiveKind.OtherTar, ArchiveContent.Look(pax));

        string text = sandbox.File("notes.txt");
        File.WriteAllText(text, "not a tar");
        Assert.Equal(ArchiveKind.NotTar, ArchiveContent.Look(text));
        Assert.Equal(ArchiveKind.NotTar, ArchiveContent.Look(Gzip(text)));
        File.WriteAllBytes(text, [0x1F, 0x8B, 8, 0, 1, 2, 3]); // gzip's magic, then nothing readable
        Assert.Equal(ArchiveKind.NotTar, ArchiveContent.Look(text));
        TestEnvironment.RunChecked("xz", "-k", rootfs);
        Assert.Equal(ArchiveKind.Compressed, ArchiveContent.Look(rootfs + ".xz"));
        TestEnvironment.RunChecked("zstd", "-q", rootfs);
        Assert.Equal(ArchiveKind.Compressed, ArchiveContent.Look(rootfs + ".zst"));
    }

    private static OciImage Image() => new OciImage().Layer(new LayerTar().File("etc/os-release", "ID=test"));

    private static string Gzip(string file)
    {
        string gz = file + ".gz";
        using (FileStream input = File.OpenRead(file), output = File.Create(gz))
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            input.CopyTo(gzip);
        return gz;
    }
}
