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
        // the environment scripts are evaluated from the image's /.singularity.d/env by the job's shell
        Assert.Equal(["GREETING=from oci-config"], image.EmbeddedConfig!.Env);
        Assert.Equal(["/bin/sh"], image.EmbeddedConfig.Cmd);
        Assert.Equal("apptainer", image.EmbeddedConfig.Labels["org.example.author"]);
        Assert.Equal("1.0", image.EmbeddedConfig.Labels["org.label-schema.schema-version"]);

        ImageInfo info = ImageInspector.Inspect(sif);
        Assert.Equal(ApptainerStyleSif.Runscript, info.Runscript);
        Assert.Equal(ApptainerStyleSif.Definition, info.DefinitionFile);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), info.Created);
    }

    [Theory]
    [InlineData("export A=1", "A=1")]
    [InlineData("  export PATH=\"/usr/local/bin:/usr/bin\"", "PATH=/usr/local/bin:/usr/bin")]
    [InlineData("export MSG='it costs $5'", "MSG=it costs $5")]
    [InlineData("export P=\"$PATH:/opt\"", null)]
    [InlineData("export X=$(date)", null)]
    [InlineData("X=1", null)]
    [InlineData("export A=1; rm -rf /", null)]
    public void Only_literal_exports_are_taken_from_environment_scripts(string line, string? expected) =>
        Assert.Equal(expected is null ? [] : [expected], Metadata.EnvironmentScript.Exports(line));
}
