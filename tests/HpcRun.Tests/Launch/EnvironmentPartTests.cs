using HpcRun.Image.Metadata;
using HpcRun.Launch;
using HpcRun.Launch.Parts;

namespace HpcRun.Tests.Launch;

public class EnvironmentPartTests
{
    private static readonly Dictionary<string, string> HostEnv = new()
    {
        ["HOME"] = "/home/alice",
        ["USER"] = "alice",
        ["TERM"] = "xterm",
        ["PATH"] = "/host/bin",
        ["LD_LIBRARY_PATH"] = "/host/lib",
        ["LD_PRELOAD"] = "/host/x.so",
        ["SLURM_PROCID"] = "3",
        ["PMI_FD"] = "5",
        ["LANG"] = "en_US.UTF-8",
        ["HPCRUN_ENV_OMP_NUM_THREADS"] = "8",
        ["HPCRUN_DEBUG"] = "1",
        ["SHARED"] = "host",
        ["http_proxy"] = "http://proxy:3128",
        ["NO_PROXY"] = "localhost",
    };

    private static Dictionary<string, string> Env(LaunchRequest? request = null, ImageConfig? config = null,
        Dictionary<string, string>? envFiles = null) =>
        PlanFixture.Plan(PlanFixture.Context(request, PlanFixture.Host(HostEnv, envFiles: envFiles), config)).Env();

    [Fact]
    public void HostEnvironmentPassesInExceptLibraryPathsAndHpcrunSettings()
    {
        var env = Env();
        Assert.Equal("3", env["SLURM_PROCID"]);
        Assert.Equal("5", env["PMI_FD"]);
        Assert.Equal("xterm", env["TERM"]);
        Assert.False(env.ContainsKey("LD_LIBRARY_PATH"));
        Assert.False(env.ContainsKey("LD_PRELOAD"));
        Assert.False(env.ContainsKey("HPCRUN_DEBUG"));
        Assert.False(env.ContainsKey("HPCRUN_ENV_OMP_NUM_THREADS"));
        Assert.Equal(EnvironmentPart.DefaultPath, env["PATH"]);
        Assert.Equal("/images/app.sqfs", env["HPCRUN_CONTAINER"]);
    }

    [Fact]
    public void PrecedenceIsHostThenImageThenPrefixThenEnvFileThenEnv()
    {
        var config = new ImageConfig
        {
            Env = ["PATH=/opt/conda/bin:/usr/bin", "SHARED=image", "A=image", "B=image", "C=image",
                "OMP_NUM_THREADS=1"],
        };
        var request = new LaunchRequest { Image = "i", EnvFiles = ["f"], EnvAssignments = ["C=cli"] };
        var env = Env(request, config, new() { ["f"] = "B=file\nC=file\n" });
        Assert.Equal("/opt/conda/bin:/usr/bin", env["PATH"]);
        Assert.Equal("image", env["SHARED"]);
        Assert.Equal("image", env["A"]);
        Assert.Equal("8", env["OMP_NUM_THREADS"]);
        Assert.Equal("file", env["B"]);
        Assert.Equal("cli", env["C"]);
    }

    /// <summary>USER and LOGNAME as a login sets them, but not with --cleanenv, which sets none, as Apptainer's.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HomeAndUserAreSetWhenTheCallerHasNone(bool cleanEnv)
    {
        var request = new LaunchRequest { Image = "i", CleanEnv = cleanEnv };
        var env = PlanFixture.Plan(
            PlanFixture.Context(request, PlanFixture.Host(new Dictionary<string, string>()))).Env();
        Assert.Equal("/home/alice", env["HOME"]);
        Assert.Equal(cleanEnv ? null : "alice", env.GetValueOrDefault("USER"));
        Assert.Equal(cleanEnv ? null : "alice", env.GetValueOrDefault("LOGNAME"));
    }

    /// <summary>Docker's `ENV HOME=/root` in the image's config does not move HOME away from the home hpcrun binds
    /// (Apptainer writes it as `${HOME:-/root}`); the config's other variables still apply.</summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void TheImagesConfigHomeDoesNotMoveHome(bool callerHasHome, bool cleanEnv)
    {
        var request = new LaunchRequest { Image = "i", CleanEnv = cleanEnv };
        var host = PlanFixture.Host(callerHasHome ? new Dictionary<string, string> { ["HOME"] = "/home/alice" } : []);
        var configured = new ImageConfig { Env = ["HOME=/root", "LANG=C.UTF-8"] };
        var env = PlanFixture.Plan(PlanFixture.Context(request, host, configured)).Env();
        Assert.Equal("/home/alice", env["HOME"]);
        Assert.Equal("C.UTF-8", env["LANG"]);
    }

    /// <summary>Apptainer's --cleanenv (internal/pkg/util/env/create.go): of the host's variables only TERM and
    /// the proxies (alwaysPassKeys), which pass without it too; LANG=C whatever the host's, which the user may
    /// change; HOME; no USER or LOGNAME.</summary>
    [Fact]
    public void CleanEnvPassesOnlyTermAndTheProxiesAndSetsLangToC()
    {
        var env = Env(new LaunchRequest { Image = "i", CleanEnv = true });
        Assert.Equal(("/home/alice", "xterm", "C"), (env["HOME"], env["TERM"], env["LANG"]));
        Assert.Equal(("http://proxy:3128", "localhost"), (env["http_proxy"], env["NO_PROXY"]));
        Assert.False(env.ContainsKey("USER"));
        Assert.False(env.ContainsKey("SLURM_PROCID"));
        Assert.False(env.ContainsKey("SHARED"));
        Assert.Equal("8", env["OMP_NUM_THREADS"]); // asked for explicitly
        Assert.Equal("C.UTF-8",
            Env(new LaunchRequest { Image = "i", CleanEnv = true, EnvAssignments = ["LANG=C.UTF-8"] })["LANG"]);
        var plain = Env();
        Assert.Equal(("en_US.UTF-8", "http://proxy:3128"), (plain["LANG"], plain["http_proxy"]));
    }

    [Fact]
    public void MalformedEnvOptionIsAUsageError()
    {
        var error = Assert.Throws<HpcRunException>(() =>
            Env(new LaunchRequest { Image = "i", EnvAssignments = ["NOEQUALS"] }));
        Assert.Equal(ExitCode.Usage, error.Code);
    }
}
