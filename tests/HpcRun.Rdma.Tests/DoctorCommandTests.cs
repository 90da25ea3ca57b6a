using System.Text.Json;
using HpcRun.TestSupport;

namespace HpcRun.Rdma.Tests;

/// <summary>`hpcrun doctor` for real: the published binary as the unprivileged test user on this machine.</summary>
[Collection(HostDevInfiniband.Name)]
public sealed class DoctorCommandTests
{
    /// <summary>Also as a launcher's rank (srun hpcrun doctor), where hpcrun starts outside any namespace.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ThisMachineIsReady(bool asRank)
    {
        CommandResult result = Hpcrun.Run(["doctor"],
            asRank ? new Dictionary<string, string> { ["SLURM_STEP_ID"] = "0", ["SLURM_JOB_ID"] = "9" } : null);

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            ["configuration", "image cache", "registry", "user namespaces", "fuse", "squashfuse", "kernel", "rdma",
                "gpu", "host mpi", "slurm"],
            lines.Select(l => l[6..l.IndexOf(':')]));
        Assert.Equal("OK    configuration: no /etc/hpcrun/hpcrun.conf nor /etc/hpcrun/hpcrun.conf.d/*.conf: "
            + "built-in defaults",
            lines[0]);
        Assert.Equal($"OK    image cache: {Hpcrun.UserHome}/.cache/hpcrun, where docker:// images are pulled and run "
            + "from", lines[1]); // the launch's default: no variable, no site cache-dir
        Assert.StartsWith("OK    user namespaces: unprivileged user and mount namespaces work", lines[3]);
        Assert.StartsWith("OK    rdma: no RDMA devices", lines[7]);
        Assert.All(lines, l => Assert.Matches("^(OK  |WARN|FAIL)  ", l));
    }

    [Fact]
    public void ImagesAreCheckedByRunningThemOrByTheirElfHeader()
    {
        foreach (string image in new[] { TestImages.BusyboxSquashFs, TestImages.BusyboxTree })
        {
            CommandResult result = Hpcrun.Run("doctor", image);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Matches("^OK    image: .*x86_64",
                result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        }
    }

    [Fact]
    public void JsonListsEveryCheckAndFailuresSetTheExitStatus()
    {
        using var fake = new FakeRdmaHost();
        fake.Delete("/dev/infiniband/uverbs1");

        CommandResult result = Hpcrun.Run(["doctor", "--json", "/nonexistent.sif"],
            new Dictionary<string, string> { [RdmaHost.RootVariable] = fake.Root });

        Assert.Equal(75, result.ExitCode);
        using var report = JsonDocument.Parse(result.Stdout);
        Assert.False(report.RootElement.GetProperty("ok").GetBoolean());
        var checks = report.RootElement.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal("OK", checks["rdma mlx5_0"]);
        Assert.Equal("FAIL", checks["rdma mlx5_1"]);
        Assert.Equal("OK", checks["rdma rocep1s0"]);
        Assert.Equal("FAIL", checks["image"]);
        Assert.Equal("OK", checks["user namespaces"]);
    }
}
