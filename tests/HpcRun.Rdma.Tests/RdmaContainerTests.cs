using HpcRun.TestSupport;

namespace HpcRun.Rdma.Tests;

/// <summary>
/// The real binary, run as the unprivileged test user on a fake RDMA host (HPCRUN_RDMA_ROOT):
/// what the job sees in /dev/infiniband and /etc/libibverbs.d. Needs root to make the device
/// nodes, and /dev/infiniband on this machine (made empty here when missing: no RDMA hardware).
/// </summary>
[Collection(HostDevInfiniband.Name)]
public sealed class RdmaContainerTests : IDisposable
{
    private readonly FakeRdmaHost fake = new();

    /// <summary>type mode major:minor of each entry in /dev/infiniband, then the provider configs.</summary>
    private CommandResult Inside(string[] options, Dictionary<string, string>? env = null)
    {
        env ??= [];
        env[RdmaHost.RootVariable] = fake.Root;
        return Hpcrun.Run(["exec", .. options, TestImages.BusyboxTree, "sh", "-c",
            "cd /dev/infiniband && for f in *; do [ -e \"$f\" ] && stat -c '%n %F %a %t:%T' \"$f\"; done; "
            + "echo configs: $(ls /etc/libibverbs.d 2>/dev/null)"], env);
    }

    [Fact]
    public void ANamedDeviceShowsExactlyItsNodesReadWriteAndTheHostProviderConfigs()
    {
        CommandResult result = Inside(["--rdma=mlx5_0"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
        [
            "issm0 character special file 600 e7:40", "rdma_cm character special file 666 a:3a",
            "umad0 character special file 600 e7:0", "uverbs0 character special file 666 e7:c0",
            "configs: mlx5.driver rxe.driver",
        ], result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // busybox has no glibc: the host's verbs libraries cannot be added, and the user is told why.
        Assert.Contains("the image has no glibc", result.Stderr);
    }

    [Fact]
    public void AnImageWithGlibcGetsTheHostVerbsLibrariesFirstOnItsLibraryPath()
    {
        CommandResult result = Hpcrun.Run(["exec", "--rdma=rocep1s0", TestImages.BusyboxGlibcTree, "sh", "-c",
            "echo $LD_LIBRARY_PATH; cd /opt/hpcrun/rdma/lib && "
            + "for f in *; do [ -f $f ] && [ ! -L $f ] && echo $f; done"],
            new Dictionary<string, string> { [RdmaHost.RootVariable] = fake.Root });

        Assert.True(result.ExitCode == 0, result.ToString());
        // Regular files, the provider included (on the host a symlink to ../libmlx5.so.1, which the image lacks).
        Assert.Equal(
            ["/opt/hpcrun/rdma/lib", "libibverbs.so.1", "libmlx5-rdmav34.so", "libmlx5.so.1", "librdmacm.so.1"],
            result.Stdout.Split(['\n', ' '], StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("glibc", result.Stderr);
    }

    [Fact]
    public void OnlyTheFirstRankWarnsAboutALowMemlockLimit()
    {
        // hpcrun inherits the test process's limits: make the soft one Debian's default, 8 MiB.
        TestEnvironment.RunChecked("prlimit", "--pid", $"{Environment.ProcessId}", "--memlock=8388608:");

        Assert.Single(Inside(["--rdma=mlx5_0"]).Stderr.Split('\n'),
            l => l.StartsWith("hpcrun: warning: locked memory is limited to", StringComparison.Ordinal));
        Assert.DoesNotContain("locked memory", Inside(["--rdma=mlx5_0"], new() { ["SLURM_PROCID"] = "1" }).Stderr);
    }

    [Fact]
    public void TheSelectionCanComeFromTheEnvironment()
    {
        CommandResult result = Inside([], new() { ["HPCRUN_RDMA"] = "mlx5_1,rocep1s0" });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["rdma_cm", "umad1", "uverbs1", "uverbs2", "configs:"],
            result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]));
    }

    [Fact]
    public void NoneShowsNoDeviceAndNoProviderConfig()
    {
        CommandResult result = Inside(["--rdma=none"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("configs:\n", result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public void AnUnknownDeviceFailsWithItsOwnStatus()
    {
        CommandResult result = Inside(["--rdma=mlx5_7"]);

        Assert.Equal(74, result.ExitCode);
        Assert.Contains("RDMA device mlx5_7 not found (available: mlx5_0, mlx5_1, rocep1s0)", result.Stderr);
    }

    public void Dispose() => fake.Dispose();
}

/// <summary>An empty /dev/infiniband on this host for the tests that need one; removed after
/// whenever it is still empty, so a killed test run's leftover goes too (a real one has nodes).</summary>
public sealed class HostDevInfiniband : IDisposable
{
    public const string Name = "host /dev/infiniband";

    public HostDevInfiniband() => Directory.CreateDirectory(RdmaPaths.DevDir);

    public void Dispose()
    {
        if (!Directory.EnumerateFileSystemEntries(RdmaPaths.DevDir).Any()) Directory.Delete(RdmaPaths.DevDir);
    }
}

[CollectionDefinition(HostDevInfiniband.Name)]
public sealed class HostDevInfinibandCollection : ICollectionFixture<HostDevInfiniband>;
