using HpcRun.Image.Inspect;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests;

/// <summary>What an Apptainer-built SIF says outside its file system reaches hpcrun and inspect.</summary>
public sealed class ApptainerSifTests : IDisposable
{
    private readonly Sandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    [Fact]
    public void Config_labels_runscript_and_definition_file_are_read_from_the_metadata_objects()
    {
        string sif = ApptainerStyleSif.Write(sandbox.File("app.sif"), TestImages.BusyboxTree, sandbox.Path);
        ImageSource image = ImageSource.Probe(sif);
        Assert.Equal(["GREETING=from oci-config"], image.EmbeddedConfig!.Env);
        Assert.Equal(["/bin/sh"], image.EmbeddedConfig.Cmd);
        Assert.Equal("apptainer", image.EmbeddedConfig.Labels["org.example.author"]);
        Assert.Equal("1.0", image.EmbeddedConfig.Labels["org.label-schema.schema-version"]);

        ImageInfo info = ImageInspector.Inspect(sif);
        Assert.Equal(ApptainerStyleSif.Runscript, info.Runscript);
        Assert.Equal(ApptainerStyleSif.Definition, info.DefinitionFile);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), info.Created);
    }
}
