namespace HpcRun.Rdma.Tests;

public class SelectionTests
{
    [Fact]
    public void AutoAndNoneAreKeywords()
    {
        Assert.Null(RdmaSelection.Parse("auto").Names);
        Assert.Equal([], RdmaSelection.Parse("none").Names);
    }

    [Fact]
    public void ANameListKeepsOrderAndDropsBlanksAndRepeats() =>
        Assert.Equal(["mlx5_1", "mlx5_0"], RdmaSelection.Parse(" mlx5_1, mlx5_0,,mlx5_1").Names);

    [Theory]
    [InlineData("")]
    [InlineData(",")]
    [InlineData("../mlx5_0")]
    [InlineData("mlx5_0,none")]
    public void MalformedSelectionsAreRefused(string value) =>
        Assert.Throws<FormatException>(() => RdmaSelection.Parse(value));

    [Theory]
    [InlineData("auto", RdmaLibraries.Auto)]
    [InlineData("host", RdmaLibraries.Host)]
    [InlineData("image", RdmaLibraries.Image)]
    public void LibraryChoicesParse(string value, RdmaLibraries expected) =>
        Assert.Equal(expected, RdmaLibrariesText.Parse(value));

    [Fact]
    public void AnUnknownLibraryChoiceIsRefused() =>
        Assert.Throws<FormatException>(() => RdmaLibrariesText.Parse("mine"));
}
