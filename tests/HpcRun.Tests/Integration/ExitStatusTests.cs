using HpcRun.TestSupport;

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

    /// <summary>What the job leaves running (a background job, a double fork that detaches with setsid) is killed
    /// when it ends, as a PID namespace's end kills it: left running, it would read an image no one serves. The job's
    /// status stays its own.</summary>
    [Fact]
    public void What_the_job_leaves_running_ends_with_it()
    {
        var result = Hpcrun.Run(images.Image, "sh", "-c",
            "sleep 300 & echo $!; (setsid sleep 301 & echo $!) ; exit 3");
        Assert.True(result.ExitCode == 3, result.ToString());
        int[] pids = [.. result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];
        Assert.Equal(2, pids.Length);
        Assert.All(pids, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"{pid} outlived hpcrun"));
    }
}
