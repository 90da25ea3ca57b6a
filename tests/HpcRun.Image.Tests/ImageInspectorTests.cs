using HpcRun.Build;
using HpcRun.Image.Inspect;
using HpcRun.Image.Tests.Fixtures;

namespace HpcRun.Image.Tests;

/// <summary>`hpcrun inspect` on each kind of image, without mounting any.</summary>
public sealed class ImageInspectorTests : IDisposable
{
    private readonly Sandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    [Fact]
    public void Reference_sifs_are_described_with_their_objects_even_when_not_runnable()
    {
        ImageInfo twoGroups = ImageInspector.Inspect(SifTestData.File("two-groups-signed-pgp.sif"));
        Assert.Equal(("sif", "386"), (twoGroups.Format, twoGroups.Architecture));
        Assert.Equal(5, twoGroups.Objects.Count);
        Assert.Equal(("Ext3", "System", "amd64"),
            (twoGroups.Objects[2].FsType, twoGroups.Objects[2].PartType, twoGroups.Objects[2].Architecture));
        Assert.Equal("group 2", twoGroups.Objects[4].Link);
        Assert.Contains("5 Signature group 0 signs group 2 (Sha256 12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84), "
            + "849 bytes at 304152", ImageInfoText.Render(twoGroups));

        // a 4-byte stand-in "SquashFS"
        ImageInfo legacy = ImageInspector.Inspect(SifTestData.File("one-group-signed-legacy.sif"));
        Assert.Null(legacy.FileSystem);
        Assert.Equal("object 2", legacy.Objects[2].Link);

        ImageInfo json = ImageInspector.Inspect(SifTestData.File("one-object-generic-json.sif"));
        Assert.Null(json.FileSystem);
        Assert.Equal("data.json", Assert.Single(json.Objects).Name);
    }

    [Fact]
    public void A_bare_squashfs_shows_the_config_read_from_inside()
    {
        string layout = OciImage.WriteLayout(sandbox.File("layout"),
            new OciImage().Layer(new LayerTar().Dir("etc").File("etc/x", "x")));
        string sqfs = sandbox.File("out.sqfs");
        ImageBuilder.Build(new BuildRequest(sqfs, layout, SquashFsOnly: true), "test", new RecordingReporter());
        ImageInfo info = ImageInspector.Inspect(sqfs);
        Assert.Equal(("squashfs", 0L), (info.Format, info.FileSystem!.Offset));
        Assert.Contains("GREETING=hello", info.Config.Env);
        Assert.Contains("Environment:\n  PATH=/bin\n  GREETING=hello", ImageInfoText.Render(info));
    }

    [Fact]
    public void A_directory_shows_its_in_tree_config_and_runscript()
    {
        string tree = Directory.CreateDirectory(sandbox.File("tree")).FullName;
        Directory.CreateDirectory(Path.Combine(tree, ".hpcrun"));
        File.WriteAllText(Path.Combine(tree, ".hpcrun", "config.json"),
            """{"Entrypoint":["/bin/app"],"Labels":{"a":"b"}}""");
        Directory.CreateDirectory(Path.Combine(tree, ".singularity.d"));
        File.WriteAllText(Path.Combine(tree, ".singularity.d", "runscript"), "#!/bin/sh\nexec app\n");
        string text = ImageInfoText.Render(ImageInspector.Inspect(tree));
        Assert.Contains("Format:       directory", text);
        Assert.Contains("Entrypoint:   /bin/app", text);
        Assert.Contains("Labels:\n  a=b", text);
        Assert.Contains("Runscript:\n  #!/bin/sh\n  exec app", text);
    }
}
