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

    /// <summary>Slurm's MPI plugin given to hpcrun's --mpi (`srun hpcrun --mpi=pmix`, `hpcrun submit --mpi=pmix`)
    /// was only "expected one of host, container, none": the line says where it goes. Other words are unchanged.
    /// </summary>
    [Theory]
    [InlineData("--mpi", "pmix")]
    [InlineData("--mpi", "pmi2")]
    [InlineData("--mpi", "pmix_v4")]
    [InlineData("HPCRUN_MPI", "cray_shasta")]
    public void SlurmsMpiPluginIsSaidToBeSruns(string source, string word)
    {
        var error = Assert.Throws<HpcRunException>(() => SettingWord.Parse(source, word, MpiSettings.ParseMode));
        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Equal($"{source}: expected one of host, container, none, not '{word}': {word} is srun's --mpi, which " +
            $"goes before hpcrun (srun --mpi={word} hpcrun IMAGE CMD); hpcrun submit's srun takes it from " +
            $"SLURM_MPI_TYPE={word}", error.Message);
        Assert.Equal("--mpi: expected one of host, container, none, not 'openmpi'",
            Assert.Throws<HpcRunException>(() => SettingWord.Parse("--mpi", "openmpi", MpiSettings.ParseMode)).Message);
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
