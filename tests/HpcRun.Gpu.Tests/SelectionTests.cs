namespace HpcRun.Gpu.Tests;

public sealed class SelectionTests
{
    [Theory]
    [InlineData("auto", "auto")]
    [InlineData(" none ", "none")]
    [InlineData("nvidia", "nvidia")]
    [InlineData("nvidia:0,2", "nvidia:0,2")]
    [InlineData("nvidia:2,2,0", "nvidia:2,0")]
    [InlineData("amd:1", "amd:1")]
    public void GoodValuesParse(string value, string parsed) =>
        Assert.Equal(parsed, GpuSelection.Parse(value).ToString());

    [Theory]
    [InlineData("intel")]
    [InlineData("NVIDIA")]
    [InlineData("auto:0")]
    [InlineData("none:1")]
    [InlineData("nvidia:")]
    [InlineData("nvidia:one")]
    [InlineData("nvidia:-1")]
    [InlineData("nvidia:0,,1")]
    public void BadValuesSayWhatIsExpected(string value) =>
        Assert.Equal($"bad GPU selection '{value}': expected auto, nvidia, amd or none, with indices as in nvidia:0,2",
            Assert.Throws<FormatException>(() => GpuSelection.Parse(value)).Message);
}
