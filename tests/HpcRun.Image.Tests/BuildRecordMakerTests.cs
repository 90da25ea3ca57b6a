using System.Text.Json;
using HpcRun.Image.Inspect;
using HpcRun.Image.Metadata;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests;

/// <summary>The build record says what made the file system, hpcrun's writer or mksquashfs, with the compression
/// arguments, and inspect shows both (it labelled every image's arguments "mksquashfs", the writer's too); an older
/// record, which says only the arguments, is shown as it is, and its JSON keeps the field older readers read.
/// </summary>
public sealed class BuildRecordMakerTests : IDisposable
{
    private readonly Building building = new();

    public void Dispose() => building.Dispose();

    private string Tree()
    {
        string tree = building.Sandbox.File("tree");
        TestEnvironment.RunChecked("sh", "-c", "mkdir -p \"$1/etc\" && echo x > \"$1/etc/x\"", "sh", tree);
        return tree;
    }

    [Theory]
    [InlineData(false, false), InlineData(true, false), InlineData(false, true), InlineData(true, true)]
    public void Inspect_names_what_made_the_file_system_and_its_compression(bool mksquashfs, bool sqfs)
    {
        string image = building.Build(Tree(), sqfs ? "out.sqfs" : "out.sif", r => r with
        {
            SquashFsOnly = sqfs,
            MksquashfsArgs = mksquashfs ? SameFileSystem.MksquashfsPath : null,
        });
        ImageInfo info = ImageInspector.Inspect(image);
        string maker = mksquashfs ? BuildRecord.Mksquashfs : BuildRecord.Hpcrun;
        Assert.Equal(maker, info.Build!.FileSystemMaker);
        string compression = "-comp gzip -Xcompression-level 3" + (mksquashfs ? " -processors 2" : "");
        string text = ImageInfoText.Render(info);
        Assert.Contains($"\nSquashed by:  {maker}\nCompression:  {compression}\n", text);
        Assert.DoesNotContain("mksquashfs:", text);
        string json = JsonSerializer.Serialize(info, ImageInfoJson.Default.ImageInfo);
        Assert.Contains($"\"fileSystemMaker\": \"{maker}\"", json);
        Assert.Contains("\"mksquashfsArgs\": [", json);
    }

    [Fact]
    public void A_sif_built_from_a_sif_keeps_what_made_its_file_system()
    {
        string first = building.Build(Tree(), "first.sif",
            r => r with { MksquashfsArgs = SameFileSystem.MksquashfsPath });
        Assert.Equal(BuildRecord.Mksquashfs, ImageInspector.Inspect(building.Build(first, "copy.sif")).Build!
            .FileSystemMaker);
    }

    /// <summary>A SIF built from a bare SquashFS keeps what made its file system and all its compression arguments,
    /// as its /.hpcrun/build.json says (it kept the compressor alone, "-comp gzip", and no maker: the block size
    /// and level were lost); one without a record gets what its superblock tells, the compressor and a block size
    /// other than mksquashfs's default.</summary>
    [Fact]
    public void A_sif_built_from_a_bare_squashfs_keeps_what_made_its_file_system_and_its_block_size()
    {
        string bare = building.Build(Tree(), "first.sqfs",
            r => r with { SquashFsOnly = true, MksquashfsArgs = ["-b", "1M"] });
        BuildRecord copied = ImageInspector.Inspect(building.Build(bare, "copy.sif")).Build!;
        Assert.Equal((BuildRecord.Mksquashfs, "-comp gzip -Xcompression-level 3 -b 1M"),
            (copied.FileSystemMaker, string.Join(' ', copied.MksquashfsArgs!)));
        string foreign = building.Sandbox.File("foreign.sqfs");
        TestEnvironment.RunChecked("mksquashfs", Tree(), foreign, "-comp", "xz", "-b", "4K", "-quiet", "-noappend");
        BuildRecord superblock = ImageInspector.Inspect(building.Build(foreign, "foreign.sif")).Build!;
        Assert.Equal(((string?)null, "-comp xz -b 4K"),
            (superblock.FileSystemMaker, string.Join(' ', superblock.MksquashfsArgs!)));
    }

    [Fact]
    public void An_older_record_shows_its_arguments_without_naming_a_maker()
    {
        BuildRecord older = BuildRecord.ParseOrNull("""
            {"sourceKind": "directory", "platform": "linux/amd64", "hpcrunVersion": "0.1.0",
             "mksquashfsArgs": ["-comp", "gzip", "-Xcompression-level", "3"]}
            """)!;
        Assert.Null(older.FileSystemMaker);
        string text = ImageInfoText.Render(new ImageInfo
        {
            Path = "old.sif",
            Format = "SIF",
            Config = ImageConfig.Empty,
            Build = older,
        });
        Assert.Contains("\nCompression:  -comp gzip -Xcompression-level 3\n", text);
        Assert.DoesNotContain("Squashed by", text);
    }
}
