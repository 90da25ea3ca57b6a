using System.Text.Json;
using HpcRun.Image.Metadata;
using HpcRun.Image.Text;

namespace HpcRun.Image.Tests.Text;

/// <summary>A JSON document that does not parse is said by where it fails, never in System.Text.Json's words.
/// </summary>
public class JsonErrorTests
{
    [Theory]
    [InlineData("{\n  \"Env\": [\"A=1\",\n  x", "bad JSON at line 3 ($.Env[1])")]
    [InlineData("{\"Env\": [1]}", "bad JSON at line 1 ($.Env[0])")] // a number where a string belongs
    [InlineData("", "bad JSON at line 1")]
    public void Where_it_failed_and_no_dotnet_text(string json, string line)
    {
        var e = Assert.ThrowsAny<JsonException>(() => ImageConfig.Parse(json)); // an image's config, as read
        string said = JsonError.Describe(e);
        Assert.Equal(line, said);
        foreach (string dotnet in (string[])["System.", "invalid start", "could not be converted", "LineNumber"])
            Assert.DoesNotContain(dotnet, said);
    }
}
