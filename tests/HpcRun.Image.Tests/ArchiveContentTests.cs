using System.IO.Compression;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests;

/// <summary>A `docker save` archive or OCI layout tar told from another tar as the build tells them, whatever the
/// order of its entries (<see cref="ArchiveContent"/>), plain or gzip'd, as the launch's refusal needs it.</summary>
public sealed class ArchiveContentTests : IDisposable
{
    private readonly Sandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

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

    /// <summary>skopeo and podman write the layers and config first and manifest.json or index.json last (the
    /// launch refused skopeo's docker-archive as no image archive, which the build reads); `docker save` writes them
    /// first.</summary>
    [Theory]
    [InlineData("docker.tar")]
    [InlineData("docker-reversed.tar")]
    [InlineData("oci.tar")]
    [InlineData("oci-reversed.tar")]
    public void Archives_skopeo_writes_are_image_archives_whatever_the_order_of_their_entries(string name)
    {
        string tar = Path.Combine(TestImages.BusyboxArchives, name);
        Assert.Equal(ArchiveKind.ImageArchive, ArchiveContent.Look(tar));
        Assert.Equal(ArchiveKind.ImageArchive, ArchiveContent.Look(Gzip(tar, sandbox.File(name + ".gz"))));
    }

    /// <summary>The build reads only manifest.json, or index.json beside blobs/ or oci-layout, at an archive's top:
    /// a tar of blobs/ alone or of a layout in a directory is none, whatever its first entry.</summary>
    [Fact]
    public void A_tar_whose_top_the_build_would_not_read_as_an_image_is_another_tar()
    {
        string blobs = new RawTar().Directory(RawTar.Bytes("blobs/")).File(RawTar.Bytes("blobs/sha256/a"), "a")
            .WriteTo(sandbox.File("blobs.tar"));
        Assert.Equal(ArchiveKind.OtherTar, ArchiveContent.Look(blobs));
        string nested = new RawTar().File(RawTar.Bytes("layout/index.json"), "{}")
            .File(RawTar.Bytes("layout/oci-layout"), "{}").WriteTo(sandbox.File("nested.tar"));
        Assert.Equal(ArchiveKind.OtherTar, ArchiveContent.Look(nested));
        string index = new RawTar().File(RawTar.Bytes("index.json"), "{}").WriteTo(sandbox.File("index.tar"));
        Assert.Equal(ArchiveKind.OtherTar, ArchiveContent.Look(index));
        string layout = new RawTar().File(RawTar.Bytes("./index.json"), "{}")
            .File(RawTar.Bytes("./oci-layout"), "{}").WriteTo(sandbox.File("layout.tar"));
        Assert.Equal(ArchiveKind.ImageArchive, ArchiveContent.Look(layout));
    }

    /// <summary>An uncompressed tar's data is seeked over, never read: manifest.json after a layer of 1 TiB (a
    /// sparse file, its size in GNU's base-256) is found at once.</summary>
    [Fact]
    public void A_huge_entry_of_an_uncompressed_tar_is_passed_over_without_reading_it()
    {
        const long size = 1L << 40;
        byte[] header = new RawTar().Header(RawTar.Bytes(new string('a', 64) + ".tar"), '0', 0, tamper: block =>
        {
            block.AsSpan(124, 12).Clear();
            block[124] = 0x80;
            BitConverter.GetBytes(size).AsSpan().CopyTo(block.AsSpan(128)); // little-endian here: reversed below
            block.AsSpan(128, 8).Reverse();
        }).ToArray(end: false);
        byte[] manifest = new RawTar().File(RawTar.Bytes("manifest.json"), "[]").ToArray();
        string tar = sandbox.File("huge.tar");
        using (FileStream file = File.Create(tar))
        {
            file.Write(header);
            file.Seek(size, SeekOrigin.Current);
            file.Write(manifest);
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(ArchiveKind.ImageArchive, ArchiveContent.Look(tar));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{clock.Elapsed}"); // reading 1 TiB takes minutes
    }

    /// <summary>A gzip'd tar is read to its end, its data decompressed and dropped: its names decide wherever they
    /// are. It was read up to 64 MiB, then its first entry decided: an OCI layout tar whose first entry was another
    /// file was no image archive (65, which `build docker-archive:` gave too), a root file system's tar whose first
    /// entry was named like a layer an image archive (83).</summary>
    [Fact]
    public void A_gzipped_tar_is_read_to_its_end_and_its_names_decide_wherever_they_are()
    {
        byte[] zeros = new byte[72 << 20];
        string layer = new string('a', 64) + ".tar";
        foreach ((string first, bool layout) in new[] { (layer, true), ("bin/tool", true), (layer, false) })
        {
            var tar = new RawTar().Header(RawTar.Bytes(first), '0', zeros.Length).Data(zeros);
            if (layout) tar.File(RawTar.Bytes("index.json"), "{}").File(RawTar.Bytes("oci-layout"), "{}");
            else tar.File(RawTar.Bytes("etc/os-release"), "ID=debian");
            string plain = tar.WriteTo(sandbox.File("big.tar"));
            ArchiveKind kind = layout ? ArchiveKind.ImageArchive : ArchiveKind.OtherTar;
            Assert.Equal(kind, ArchiveContent.Look(plain));
            Assert.Equal(kind, ArchiveContent.Look(Gzip(plain, sandbox.File("big.tar.gz"))));
        }
    }

    /// <summary>What `docker save` wrote before Docker 1.10 (ID/json, ID/layer.tar, repositories; no manifest.json)
    /// is told apart, as a tar, gzip'd or not, and as a directory, for the line that says the format is too old; one
    /// of Docker 1.10 to 24, which keeps those directories beside its manifest.json, is an image archive.</summary>
    [Fact]
    public void Docker_saves_of_docker_before_1_10_are_told_apart()
    {
        string id = new('b', 64);
        string old = new RawTar().File(RawTar.Bytes("repositories"), $"{{\"app\":{{\"1\":\"{id}\"}}}}")
            .Directory(RawTar.Bytes($"{id}/")).File(RawTar.Bytes($"{id}/VERSION"), "1.0")
            .File(RawTar.Bytes($"{id}/json"), "{}").File(RawTar.Bytes($"{id}/layer.tar"), "")
            .WriteTo(sandbox.File("old.tar"));
        Assert.Equal(ArchiveKind.OldDockerSave, ArchiveContent.Look(old));
        Assert.Equal(ArchiveKind.OldDockerSave, ArchiveContent.Look(Gzip(old)));
        string directory = Directory.CreateDirectory(sandbox.File("old")).FullName;
        TestEnvironment.RunChecked("tar", "-xf", old, "-C", directory);
        Assert.True(ArchiveContent.IsOldDockerSave(directory));

        string current = new RawTar().File(RawTar.Bytes("manifest.json"), "[]").Directory(RawTar.Bytes($"{id}/"))
            .File(RawTar.Bytes($"{id}/json"), "{}").File(RawTar.Bytes($"{id}/layer.tar"), "")
            .WriteTo(sandbox.File("current.tar"));
        Assert.Equal(ArchiveKind.ImageArchive, ArchiveContent.Look(current));
        File.WriteAllText(Path.Combine(directory, "manifest.json"), "[]");
        Assert.False(ArchiveContent.IsOldDockerSave(directory));
        Assert.False(ArchiveContent.IsOldDockerSave(TestImages.BusyboxTree));
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

    private static string Gzip(string file, string? gz = null)
    {
        gz ??= file + ".gz";
        using (FileStream input = File.OpenRead(file), output = File.Create(gz))
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            input.CopyTo(gzip);
        return gz;
    }
}
