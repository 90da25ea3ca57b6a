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
}
