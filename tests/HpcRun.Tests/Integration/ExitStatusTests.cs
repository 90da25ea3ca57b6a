namespace HpcRun.Tests.Integration;

[Collection(ContainerCollection.Name)]
public class ExitStatusTests(ContainerFixture images)
{
    [Fact]
    public void EveryExitCodePassesThrough()
    {
        var statuses = Enumerable.Range(0, 256).Select(code => images.Sh($"exit {code}").ExitCode).ToList();
        Assert.Equal(Enumerable.Range(0, 256), statuses);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(15)]
    [InlineData(11)]
    [InlineData(6)]
    public void DeathBySignalIs128PlusN(int signal) =>
        Assert.Equal(128 + signal, images.Sh($"kill -{signal} $$").ExitCode);
}
