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
}
