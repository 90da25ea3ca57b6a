using System.Text.Json;
using System.Text.Json.Nodes;
using HpcRun.Image.Inspect;
using HpcRun.Image.Metadata;
using HpcRun.Image.Sif;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests;

/// <summary>`hpcrun build` end to end with the real mksquashfs; contents checked with unsquashfs.</summary>
public sealed class ImageBuilderTests : IDisposable
{
    private readonly Building building = new();
    private Sandbox sandbox => building.Sandbox;
    private RecordingReporter reporter => building.Reporter;

    public void Dispose() => building.Dispose();

    private static OciImage TwoLayers(string architecture = "amd64", string tag = "latest") =>
        new OciImage(architecture, tag)
            .Layer(new LayerTar().Dir("etc").File("etc/os-release", "ID=test").File("etc/old", "old")
                .Dir("bin").File("bin/tool", "v1"))
            .Layer(new LayerTar().File("etc/.wh.old", "").File("bin/tool", $"v2 {architecture}"), Compression.None);

    private string Build(string source, string name = "out.sif", bool sqfs = false, string? platform = null,
        string? tag = null) =>
        building.Build(source, name, r => r with { SquashFsOnly = sqfs, Platform = platform, Tag = tag });

    private static string Cat(string image, string file, long offset = SifWriter.PartitionOffset) =>
        Building.Cat(image, file, offset);

    private static string Listing(string image, long offset = SifWriter.PartitionOffset) =>
        Building.Listing(image, offset);

    [Fact]
    public void An_oci_layout_becomes_a_flattened_sif_with_its_config_outside_the_file_system()
    {
        string sif = Build(OciImage.WriteLayout(sandbox.File("layout"), TwoLayers()));
        ImageSource image = ImageSource.Probe(sif);
        Assert.Equal((ImageKind.Sif, SifWriter.PartitionOffset), (image.Kind, image.Offset));
        Assert.Contains("GREETING=hello", image.EmbeddedConfig!.Env);
        Assert.Equal(["/bin/sh"], image.EmbeddedConfig.Cmd);
        Assert.Equal("v2 amd64", Cat(sif, "bin/tool"));
        Assert.Equal("ID=test", Cat(sif, "etc/os-release"));
        string listing = Listing(sif);
        Assert.DoesNotContain("etc/old", listing);
        Assert.DoesNotContain(ImageConfig.InTreePath.TrimStart('/'), listing);
        Assert.All(listing.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(3),
            line => Assert.Contains(" root/root ", line));
        SifFile file = SifFile.Read(sif);
        Assert.Equal("amd64", SifArch.Name(file.Header.Arch));
        using var stream = File.OpenRead(sif);
        BuildRecord build = SifMetadata.Read(stream, file).Build!;
        Assert.Equal(("oci-layout", "latest", "linux/amd64", "test"),
            (build.SourceKind, build.SourceTag, build.Platform, build.HpcrunVersion));
        Assert.Equal(DateTimeOffset.Parse("2024-05-01T12:00:00Z"), build.Created);
    }

    /// <summary>The ONBUILD triggers of an image built by Docker (its config's OnBuild) are kept in the SIF's
    /// config, in order, so that a recipe FROM it runs them, and so is its USER (recorded, shown by inspect); a config
    /// without them records none.</summary>
    [Fact]
    public void An_images_onbuild_triggers_and_user_are_kept_in_its_config()
    {
        OciImage image = TwoLayers();
        image.RunConfig["OnBuild"] = new JsonArray("COPY . /app", "RUN make -C /app");
        image.RunConfig["User"] = "1000:1000";
        string sif = Build(OciImage.WriteDockerArchive(sandbox.File("docker"), image));
        ImageConfig kept = ImageSource.Probe(sif).EmbeddedConfig!;
        Assert.Equal(["COPY . /app", "RUN make -C /app"], kept.OnBuild);
        Assert.Equal("1000:1000", kept.User);
        ImageConfig plain = ImageSource.Probe(Build(OciImage.WriteLayout(sandbox.File("layout"), TwoLayers()),
            "plain.sif")).EmbeddedConfig!;
        Assert.Null(plain.OnBuild);
        Assert.Null(plain.User);
    }

    /// <summary>A pull by tag and digest (as `hpcrun pull` hands it to the build) is recorded and shown in Docker's
    /// canonical form, NAME:TAG@sha256:HEX, however it was written (Docker Hub's short names expanded).</summary>
    [Theory]
    [InlineData("docker://r.example.org:5000/team/app:1.0@sha256:HEX",
        "docker://r.example.org:5000/team/app:1.0@sha256:HEX")]
    [InlineData("python:3.12@sha256:HEX", "docker://docker.io/library/python:3.12@sha256:HEX")]
    public void A_reference_with_a_tag_and_a_digest_is_recorded_and_shown_canonically(string given, string canonical)
    {
        string hex = new('0', 64);
        string reference = Registry.ImageReference.Parse(given.Replace("HEX", hex)).ToString();
        string sif = building.Build(OciImage.WriteLayout(sandbox.File("layout"), TwoLayers()), "out.sif",
            r => r with { Reference = reference });
        Inspect.ImageInfo info = Inspect.ImageInspector.Inspect(sif);
        Assert.Equal(canonical.Replace("HEX", hex), info.Build!.SourceTag);
        Assert.Matches($@"\nBuilt from:   registry {System.Text.RegularExpressions.Regex.Escape(
            canonical.Replace("HEX", hex))} sha256:[0-9a-f]{{64}} for linux/amd64 by hpcrun test\n",
            Inspect.ImageInfoText.Render(info));
    }

    [Fact]
    public void The_same_input_gives_byte_identical_images_as_directory_or_tar()
    {
        string layout = OciImage.WriteLayout(sandbox.File("layout"), TwoLayers());
        byte[] first = File.ReadAllBytes(Build(layout, "a.sif"));
        Assert.Equal(first, File.ReadAllBytes(Build(layout, "b.sif")));
        Assert.Equal(first, File.ReadAllBytes(Build(OciImage.Tar(layout, sandbox.File("layout.tar")), "c.sif")));
    }

    /// <summary>A bare SquashFS carries inside what a SIF keeps beside its file system, the config and the build
    /// record, and inspect reads the record as it reads a SIF's.</summary>
    [Fact]
    public void Sqfs_writes_a_bare_squashfs_with_the_config_and_build_record_inside()
    {
        string layout = OciImage.WriteLayout(sandbox.File("layout"), TwoLayers());
        string sqfs = Build(layout, "out.sqfs", sqfs: true);
        Assert.Equal(ImageKind.SquashFs, ImageSource.Probe(sqfs).Kind);
        Assert.Contains("GREETING=hello", Cat(sqfs, ImageConfig.InTreePath, 0));
        BuildRecord inside = ImageInspector.Inspect(sqfs).Build!;
        BuildRecord beside = ImageInspector.Inspect(Build(layout, "out.sif")).Build!;
        Assert.Equal(JsonSerializer.Serialize(beside, BuildRecordJson.Default.BuildRecord),
            JsonSerializer.Serialize(inside, BuildRecordJson.Default.BuildRecord));
        Assert.Equal(("oci-layout", "latest", DateTimeOffset.Parse("2024-05-01T12:00:00Z")),
            (inside.SourceKind, inside.SourceTag, inside.Created));
        Assert.Null(ImageInspector.Inspect(TestImages.BusyboxSquashFs).Build); // made by mksquashfs alone
    }

    /// <summary>An image built from an archive or layout has its OCI config's `created` time as the file system's,
    /// and so has the metadata hpcrun adds (/.hpcrun): the image's own date, which its digest covers, so that a pull
    /// of the same image gives the same bytes; a directory, which has no date, gives 0 (1970).</summary>
    [Fact]
    public void The_file_system_and_its_metadata_have_the_images_created_time_and_a_directorys_1970()
    {
        long created = DateTimeOffset.Parse("2024-05-01T12:00:00Z").ToUnixTimeSeconds();
        string sqfs = Build(OciImage.WriteLayout(sandbox.File("layout"), TwoLayers()), "out.sqfs", sqfs: true);
        Dictionary<string, SquashFsEntry> entries = Building.Entries(sqfs, 0);
        Assert.Equal((created, created, created), (entries[".hpcrun"].Time,
            entries[ImageConfig.InTreePath.TrimStart('/')].Time, entries[BuildRecord.InTreePath.TrimStart('/')].Time));
        Assert.Equal(created, SquashFsListing.MkfsTime(sqfs, 0));

        string tree = Directory.CreateDirectory(sandbox.File("tree")).FullName;
        File.WriteAllText(Path.Combine(tree, "hello"), "hi");
        string fromDirectory = Build(tree, "dir.sqfs", sqfs: true);
        Assert.Equal((0L, 0L), (Building.Entries(fromDirectory, 0)[ImageConfig.InTreePath.TrimStart('/')].Time,
            SquashFsListing.MkfsTime(fromDirectory, 0)));
    }

    [Fact]
    public void A_docker_archive_with_several_images_needs_a_tag()
    {
        string archive = OciImage.Tar(
            OciImage.WriteDockerArchive(sandbox.File("docker"), TwoLayers("amd64", "one"), TwoLayers("arm64", "two")),
            sandbox.File("docker.tar"));
        Assert.Contains("--tag", Assert.Throws<ImageFormatException>(() => Build(archive)).Message);
        string sif = Build(archive, tag: "two");
        Assert.Equal("arm64", SifArch.Name(SifFile.Read(sif).Header.Arch));
        Assert.Equal("v2 arm64", Cat(sif, "bin/tool"));
    }

    /// <summary>A tag names an archive's image whole, after its repository's name, or as the same reference once
    /// both are normalized (skopeo and podman record docker.io/library/myimg:v1 for myimg:v1).</summary>
    [Theory]
    [InlineData("myimg:v1", "myimg:v1", true)]
    [InlineData("myimg:v1", "v1", true)]
    [InlineData("docker.io/library/myimg:v1", "myimg:v1", true)]
    [InlineData("myimg:v1", "docker.io/library/myimg:v1", true)]
    [InlineData("localhost/group/app:2", "localhost/group/app:2", true)]
    [InlineData("docker.io/library/myimg:v1", "myimg:v2", false)]
    [InlineData("docker.io/library/myimg:v1", "other:v1", false)]
    [InlineData("docker.io/library/v1:latest", "v1", false)]
    public void A_tag_matches_as_docker_names_it(string recorded, string wanted, bool matches) =>
        Assert.Equal(matches, HpcRun.Build.OciLayout.TagMatches(recorded, wanted));

    [Fact]
    public void A_docker_archive_may_link_a_repeated_layer_to_its_first_copy()
    {
        var layer = new LayerTar().Dir("etc").File("etc/same", "same");
        string dir = OciImage.WriteDockerArchive(sandbox.File("docker"), new OciImage().Layer(layer).Layer(layer));
        string first = Assert.Single(Directory.GetDirectories(dir)); // both layers have one digest: one directory
        Directory.CreateDirectory(Path.Combine(dir, "copy"));
        File.CreateSymbolicLink(Path.Combine(dir, "copy", "layer.tar"), $"../{Path.GetFileName(first)}/layer.tar");
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")))!;
        manifest[0]!["Layers"]![1] = "copy/layer.tar";
        File.WriteAllText(Path.Combine(dir, "manifest.json"), manifest.ToJsonString());
        string sif = Build(OciImage.Tar(dir, sandbox.File("docker.tar")));
        Assert.Equal("same", Cat(sif, "etc/same"));
    }

    [Fact]
    public void A_multi_platform_index_is_chosen_from_by_platform()
    {
        string layout = OciImage.WriteLayout(sandbox.File("layout"), TwoLayers("arm64"), TwoLayers("amd64"));
        Assert.Equal("v2 amd64", Cat(Build(layout, "default.sif"), "bin/tool"));
        Assert.Equal("v2 arm64", Cat(Build(layout, "arm.sif", platform: "linux/arm64"), "bin/tool"));
        Assert.Contains("linux/arm64",
            Assert.Throws<ImageFormatException>(() => Build(layout, "none.sif", platform: "linux/s390x")).Message);
    }

    [Fact]
    public void A_blob_that_does_not_match_its_digest_fails_the_build_and_leaves_nothing()
    {
        string layout = OciImage.WriteLayout(sandbox.File("layout"), TwoLayers());
        string blob = Directory.GetFiles(Path.Combine(layout, "blobs", "sha256"))
            .OrderByDescending(f => new FileInfo(f).Length).First();
        byte[] bytes = File.ReadAllBytes(blob);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(blob, bytes);
        Assert.Throws<ImageFormatException>(() => Build(layout));
        Assert.Equal(["layout"], Directory.GetFileSystemEntries(sandbox.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_missing_blob_is_named()
    {
        string layout = OciImage.WriteLayout(sandbox.File("layout"), TwoLayers());
        string blob = Directory.GetFiles(Path.Combine(layout, "blobs", "sha256"))
            .OrderByDescending(f => new FileInfo(f).Length).First();
        File.Delete(blob);
        Assert.Contains($"blob sha256:{Path.GetFileName(blob)} is missing",
            Assert.Throws<ImageFormatException>(() => Build(layout)).Message);
        Assert.Equal(["layout"], Directory.GetFileSystemEntries(sandbox.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_hostile_source_archive_cannot_write_outside_its_scratch_directory()
    {
        string absolute = Path.Combine(sandbox.Path, "absolute-escape");
        string archive = new LayerTar().File("../../../escape", "x").File(absolute, "x")
            .WriteTo(sandbox.File("evil.tar"));
        Assert.Contains("neither a docker save archive nor an OCI layout",
            Assert.Throws<ImageFormatException>(() => Build(archive)).Message);
        Assert.Equal(["evil.tar"], Directory.GetFileSystemEntries(sandbox.Path).Select(Path.GetFileName));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(sandbox.Path)!, "escape")));
    }

    [Fact]
    public void A_directory_loses_setuid_bits_and_special_files_and_keeps_its_in_tree_config()
    {
        string tree = Directory.CreateDirectory(sandbox.File("tree")).FullName;
        File.WriteAllText(Path.Combine(tree, "su"), "x");
        File.SetUnixFileMode(Path.Combine(tree, "su"), (UnixFileMode)0b111_101_101 | UnixFileMode.SetUser);
        TestEnvironment.RunChecked("mkfifo", Path.Combine(tree, "fifo"));
        Directory.CreateDirectory(Path.Combine(tree, ".hpcrun"));
        File.WriteAllText(Path.Combine(tree, ".hpcrun", "config.json"), """{"Env":["FROM_TREE=1"]}""");
        string sif = Build(tree);
        string listing = Listing(sif);
        Assert.Contains("-rwxr-xr-x root/root", listing);
        Assert.DoesNotContain("fifo", listing);
        Assert.Contains("skipped 1 device node, FIFO or socket: /fifo", Assert.Single(reporter.Warnings));
        Assert.Equal(["FROM_TREE=1"], ImageSource.Probe(sif).EmbeddedConfig!.Env);
    }

    [Fact]
    public void Special_files_skipped_are_counted_in_the_plural_when_more_than_one()
    {
        string tree = Directory.CreateDirectory(sandbox.File("tree")).FullName;
        File.WriteAllText(Path.Combine(tree, "file"), "x");
        TestEnvironment.RunChecked("mkfifo", Path.Combine(tree, "a"), Path.Combine(tree, "b"));
        Build(tree);
        Assert.Contains("skipped 2 device nodes, FIFOs or sockets: /a, /b", Assert.Single(reporter.Warnings));
    }
}
