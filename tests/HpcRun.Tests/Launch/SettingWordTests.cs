using HpcRun.Launch;
using HpcRun.Mpi;
using HpcRun.Rdma;

namespace HpcRun.Tests.Launch;

public class SettingWordTests
{
    [Fact]
    public void AWordBecomesItsValue() =>
        Assert.Equal(MpiMode.Host, SettingWord.Parse("--mpi", "host", MpiSettings.ParseMode));

    [Fact]
    public void ABadWordIsAUsageErrorNamingItsSource()
    {
        var error = Assert.Throws<HpcRunException>(() =>
            SettingWord.Parse("HPCRUN_MPI", "bind", MpiSettings.ParseMode));
        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Equal("HPCRUN_MPI: expected one of host, container, none, not 'bind'", error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void AnUnsetOrEmptyVariableGivesTheFallback(string? value)
    {
        var environment = new Dictionary<string, string>();
        if (value is not null) environment[RdmaLibrariesText.EnvironmentVariable] = value;
        Assert.Equal(RdmaLibraries.Host, SettingWord.FromEnvironment(environment, RdmaLibrariesText.EnvironmentVariable,
            RdmaLibrariesText.Parse, RdmaLibraries.Host));
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("yes", true)]
    [InlineData("TRUE", true)]
    [InlineData("On", true)]
    [InlineData("0", false)]
    [InlineData("no", false)]
    [InlineData("False", false)]
    [InlineData("OFF", false)]
    public void ASwitchTakesTheWordsUsersWrite(string word, bool on)
    {
        var environment = new Dictionary<string, string> { ["HPCRUN_OFFLINE"] = word };
        Assert.Equal(on, SettingWord.SwitchFromEnvironment(environment, "HPCRUN_OFFLINE"));
    }

    [Fact]
    public void ASwitchOfAnotherWordIsAUsageErrorAndUnsetIsOff()
    {
        var error = Assert.Throws<HpcRunException>(() =>
            SettingWord.SwitchFromEnvironment(new Dictionary<string, string> { ["HPCRUN_OFFLINE"] = "y" },
                "HPCRUN_OFFLINE"));
        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Equal("HPCRUN_OFFLINE: 'y' is neither on (1, true, yes, on) nor off (0, false, no, off)", error.Message);
        Assert.False(SettingWord.SwitchFromEnvironment(new Dictionary<string, string>(), "HPCRUN_OFFLINE"));
    }
}
