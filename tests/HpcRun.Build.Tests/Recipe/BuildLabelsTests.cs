using HpcRun.Build.Recipe;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>The build date as Apptainer's addBuildLabels writes it (Go's Weekday, Date, Clock, Zone; nothing
/// padded), in UTC.</summary>
public class BuildLabelsTests
{
    [Theory]
    [InlineData(0, "Thursday_1_January_1970_0:0:0_UTC")]
    [InlineData(1700000000, "Tuesday_14_November_2023_22:13:20_UTC")]
    [InlineData(1704067205, "Monday_1_January_2024_0:0:5_UTC")]
    public void The_build_date_is_written_as_apptainer_writes_it(long seconds, string date) =>
        Assert.Equal(date, BuildLabels.Date(DateTimeOffset.FromUnixTimeSeconds(seconds)));

    [Fact]
    public void The_header_keys_are_labels_and_help_adds_usage()
    {
        var definition = DefinitionFile.Parse("BootStrap: docker\nFROM: alpine:3 # pinned\n%help\n    h\n")
            .Definition!;
        var labels = BuildLabels.For(definition, "linux/arm64/v8", 0, "1.2.3");
        Assert.Equal("docker", labels["org.label-schema.usage.singularity.deffile.bootstrap"]);
        Assert.Equal("alpine:3", labels["org.label-schema.usage.singularity.deffile.from"]);
        Assert.Equal("arm64", labels["org.label-schema.build-arch"]);
        Assert.Equal("1.2.3", labels["org.label-schema.usage.hpcrun.version"]);
        Assert.Equal("/.singularity.d/runscript.help", labels["org.label-schema.usage"]);
    }
}
