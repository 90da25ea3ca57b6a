using System.Text.Json;
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

    /// <summary>Entrypoint and Cmd show their words as a shell reads them back, as the runscript made of them runs
    /// them: a word with blanks, quotes or a $ in single quotes, an empty one as ''.</summary>
    [Fact]
    public void A_command_shows_its_words_quoted_as_the_runscript_has_them()
    {
        string tree = Directory.CreateDirectory(sandbox.File("tree")).FullName;
        Directory.CreateDirectory(Path.Combine(tree, ".hpcrun"));
        File.WriteAllText(Path.Combine(tree, ".hpcrun", "config.json"), """
            {"Entrypoint":["/usr/bin/env","A=it's"],
             "Cmd":["/bin/bash","-c","echo \"cmd shell: ${BASH_VERSION}\"",""]}
            """);
        string text = ImageInfoText.Render(ImageInspector.Inspect(tree));
        string entrypoint = "/usr/bin/env 'A=it'\\''s'";
        string cmd = "/bin/bash -c 'echo \"cmd shell: ${BASH_VERSION}\"' ''";
        Assert.Contains($"Entrypoint:   {entrypoint}\nCmd:          {cmd}\n", text);
        Assert.Contains($"  exec {entrypoint} {cmd}\n", text);
    }

    /// <summary>The text says what the JSON says, in its order: labels.json's labels with the config's (sorted by key
    /// in both), the config's user, the runscript and definition file `inspect --runscript/--deffile` show.</summary>
    [Fact]
    public void The_text_says_what_the_json_says_in_its_order()
    {
        string tree = Directory.CreateDirectory(sandbox.File("tree")).FullName;
        Directory.CreateDirectory(Path.Combine(tree, ".hpcrun"));
        File.WriteAllText(Path.Combine(tree, ".hpcrun", "config.json"),
            """{"Env":["A=1"],"Cmd":["/bin/app"],"User":"builder","Labels":{"zeta":"z","beta":"b"},""" +
            "\"OnBuild\":[\"COPY . /src\",\"RUN make -C /src\"]}");
        Directory.CreateDirectory(Path.Combine(tree, ".singularity.d"));
        File.WriteAllText(Path.Combine(tree, ".singularity.d", "labels.json"), """{"org.x":"1","alpha":"a"}""");
        File.WriteAllText(Path.Combine(tree, ".singularity.d", "Singularity"), "Bootstrap: scratch\n");
        ImageInfo info = ImageInspector.Inspect(tree);
        string text = ImageInfoText.Render(info);
        Assert.EndsWith("Environment:\n  A=1\nCmd:          /bin/app\nUser:         builder\n" +
            "Labels:\n  alpha=a\n  beta=b\n  org.x=1\n  zeta=z\n" +
            "OnBuild:\n  COPY . /src\n  RUN make -C /src\n" +
            "Runscript:\n  #!/bin/sh\n  if [ $# -gt 0 ]; then exec \"$@\"; fi\n  exec /bin/app\n" +
            "Definition file:\n  Bootstrap: scratch\n", text);
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(info, ImageInfoJson.Relaxed.ImageInfo));
        JsonElement config = json.RootElement.GetProperty("config");
        Assert.Equal("builder", config.GetProperty("user").GetString());
        Assert.Equal(["COPY . /src", "RUN make -C /src"],
            config.GetProperty("onBuild").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["alpha", "beta", "org.x", "zeta"],
            config.GetProperty("labels").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["path", "format", "objects", "config", "runscript", "definitionFile"],
            json.RootElement.EnumerateObject().Select(p => p.Name));
    }

    /// <summary>hpcrun runs /hpcrun-run before any other runscript, so that is the runscript inspect shows: its text,
    /// or for a binary the line that runs it.</summary>
    [Fact]
    public void The_runscript_is_what_hpcrun_run_runs_hpcrun_run_first()
    {
        string tree = Directory.CreateDirectory(sandbox.File("tree")).FullName;
        Directory.CreateDirectory(Path.Combine(tree, ".singularity.d"));
        File.WriteAllText(Path.Combine(tree, ".singularity.d", "runscript"), "#!/bin/sh\nexec apptainers\n");
        File.WriteAllText(Path.Combine(tree, "hpcrun-run"), "#!/bin/sh\necho runscript \"$@\"\n");
        Assert.Equal("#!/bin/sh\necho runscript \"$@\"\n",
            ApptainerAttributesReader.Read(tree, AttributeKinds.Runscript).Runscript);
        Assert.Contains("Runscript:\n  #!/bin/sh\n  echo runscript \"$@\"\n",
            ImageInfoText.Render(ImageInspector.Inspect(tree)));
        File.WriteAllBytes(Path.Combine(tree, "hpcrun-run"), [0x7F, (byte)'E', (byte)'L', (byte)'F', 0, 0, 1]);
        Assert.Equal("#!/bin/sh\nexec /hpcrun-run \"$@\"\n",
            ApptainerAttributesReader.Read(tree, AttributeKinds.Runscript).Runscript);
    }

    /// <summary>Apptainer's order: its JSON has its Attributes struct's (environment, labels, runscript, helpfile,
    /// deffile, startscript), maps sorted by key as Go writes them; its text deffile, runscript, startscript, helpfile,
    /// environment, labels.</summary>
    [Fact]
    public void Apptainer_attributes_come_in_apptainers_order_in_json_and_in_text()
    {
        string tree = Directory.CreateDirectory(sandbox.File("tree")).FullName;
        string meta = Directory.CreateDirectory(Path.Combine(tree, ".singularity.d", "env")).Parent!.FullName;
        File.WriteAllText(Path.Combine(meta, "labels.json"), """{"z":"1","a":"2"}""");
        File.WriteAllText(Path.Combine(meta, "Singularity"), "DEF\n");
        File.WriteAllText(Path.Combine(meta, "runscript"), "RUN\n");
        File.WriteAllText(Path.Combine(meta, "runscript.help"), "HELP\n");
        File.WriteAllText(Path.Combine(meta, "startscript"), "START\n");
        File.WriteAllText(Path.Combine(meta, "env", "90-environment.sh"), "ENV\n");
        ApptainerAttributes all = ApptainerAttributesReader.Read(tree, (AttributeKinds)63);
        Assert.Equal("DEF\nRUN\nSTART\nHELP\n=== /.singularity.d/env/90-environment.sh ===\nENV\n\na: 2\nz: 1\n",
            ApptainerAttributesText.Render(all));
        string json = JsonSerializer.Serialize(new ApptainerInspection(new ApptainerInspectionData(all)),
            ApptainerInspectionJson.AsApptainer.ApptainerInspection);
        using var document = JsonDocument.Parse(json);
        JsonElement attributes = document.RootElement.GetProperty("data").GetProperty("attributes");
        Assert.Equal(["environment", "labels", "runscript", "helpfile", "deffile", "startscript"],
            attributes.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["a", "z"], attributes.GetProperty("labels").EnumerateObject().Select(p => p.Name));
    }
}
