using System.Text.Json;
using HpcRun.Image.Inspect;
using HpcRun.Image.Metadata;

namespace HpcRun.Image.Tests;

/// <summary>`inspect --json` writes text as `inspect --deffile --json` does: one relaxed encoder.</summary>
public class InspectJsonTests
{
    [Fact]
    public void QuotesPlusAndGreaterThanAreWrittenAsTheyAreAndTheShapeIsKept()
    {
        var info = new ImageInfo
        {
            Path = "/images/a+b.sif",
            Format = "SIF",
            Config = ImageConfig.Empty,
            DefinitionFile = "Bootstrap: docker\n%post\n  echo \"x\" > /y\n",
        };

        string json = JsonSerializer.Serialize(info, ImageInfoJson.Relaxed.ImageInfo);

        Assert.Contains("\"path\": \"/images/a+b.sif\"", json);
        Assert.Contains("echo \\\"x\\\" > /y", json);
        Assert.DoesNotContain("\\u00", json);
        Assert.Equal(JsonSerializer.Serialize(info, ImageInfoJson.Default.ImageInfo),
            json.Replace("+", "\\u002B").Replace(">", "\\u003E").Replace("\\\"", "\\u0022"));
    }

    /// <summary>Apptainer's default document's members are there beside hpcrun's: `jq .data.attributes.labels`
    /// reads the labels, as from `apptainer inspect --json IMAGE`.</summary>
    [Fact]
    public void TheJsonHasApptainersLabelsBesideHpcrunsMembers()
    {
        var info = new ImageInfo
        {
            Path = "/images/a.sif",
            Format = "SIF",
            Config = ImageConfig.Empty with { Labels = new Dictionary<string, string> { ["Version"] = "1.0" } },
        };

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(info.ForJson(), ImageInfoJson.Relaxed.ImageInfo));

        Assert.Equal("1.0", json.RootElement.GetProperty("data").GetProperty("attributes").GetProperty("labels")
            .GetProperty("Version").GetString());
        Assert.Equal("container", json.RootElement.GetProperty("type").GetString());
        Assert.Equal("/images/a.sif", json.RootElement.GetProperty("path").GetString());
        Assert.Equal("1.0", json.RootElement.GetProperty("config").GetProperty("labels").GetProperty("Version")
            .GetString());
    }
}
