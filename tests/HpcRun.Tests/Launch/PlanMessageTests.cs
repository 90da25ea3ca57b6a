using HpcRun.Launch;

namespace HpcRun.Tests.Launch;

/// <summary>Who prints a plan's messages: the job's first rank, or a launch outside any launcher.</summary>
public class PlanMessageTests
{
    [Fact]
    public void ALaunchOutsideAnyLauncherShowsThem() =>
        Assert.True(PlanMessage.IsShownBy(new Dictionary<string, string>()));

    [Theory]
    [InlineData("SLURM_PROCID")]
    [InlineData("PMI_RANK")]
    [InlineData("PMIX_RANK")]
    [InlineData("OMPI_COMM_WORLD_RANK")]
    public void OnlyTheFirstRankShowsThem(string variable)
    {
        Assert.True(PlanMessage.IsShownBy(new Dictionary<string, string> { [variable] = "0" }));
        Assert.False(PlanMessage.IsShownBy(new Dictionary<string, string> { [variable] = "1" }));
        Assert.False(PlanMessage.IsShownBy(new Dictionary<string, string> { ["PMI_RANK"] = "0", [variable] = "2" }));
    }
}
