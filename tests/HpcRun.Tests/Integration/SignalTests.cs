using System.Diagnostics;
using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>Signals sent to hpcrun reach the job. The job says when its traps are set, so
/// nothing here depends on timing.</summary>
[Collection(ContainerCollection.Name)]
public class SignalTests(ContainerFixture images)
{
    private const string Traps = "for s in TERM INT HUP QUIT USR1 USR2 CONT TSTP; do trap \"echo got $s\" $s; done; " +
                                 "echo ready; while :; do sleep 1 & wait $!; done";

    [Theory]
    [InlineData("TERM", 15)]
    [InlineData("INT", 2)]
    [InlineData("HUP", 1)]
    [InlineData("QUIT", 3)]
    [InlineData("USR1", 10)]
    [InlineData("USR2", 12)]
    [InlineData("CONT", 18)]
    public void IsForwarded(string name, int signal)
    {
        using var hpcrun = Start();
        Send(hpcrun, signal);
        Assert.Equal($"got {name}", hpcrun.StandardOutput.ReadLine());
        Send(hpcrun, 9);
        hpcrun.WaitForExit();
    }

    [Fact]
    public void StopIsForwardedAndHpcrunStopsWithTheJob()
    {
        using var hpcrun = Start();
        Send(hpcrun, 20); // SIGTSTP
        Assert.Equal("got TSTP", hpcrun.StandardOutput.ReadLine());
        Send(hpcrun, 18); // SIGCONT
        Assert.Equal("got CONT", hpcrun.StandardOutput.ReadLine());
        Send(hpcrun, 9);
        hpcrun.WaitForExit();
    }

    [Fact]
    public void TermEndsAJobThatDoesNotTrapIt()
    {
        using var hpcrun = Hpcrun.Start([images.Image, "sh", "-c", "echo ready; exec sleep 1002"]);
        Assert.Equal("ready", hpcrun.StandardOutput.ReadLine());
        Send(hpcrun, 15);
        hpcrun.WaitForExit();
        Assert.Equal(128 + 15, hpcrun.ExitCode);
    }

    private Process Start()
    {
        var hpcrun = Hpcrun.Start([images.Image, "sh", "-c", Traps]);
        Assert.Equal("ready", hpcrun.StandardOutput.ReadLine());
        return hpcrun;
    }

    private static void Send(Process process, int signal) => TestEnvironment.RunChecked("kill", $"-{signal}", process.Id.ToString());
}
