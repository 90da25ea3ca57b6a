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
    public void IsForwarded(string name, int signal)
    {
        using var hpcrun = Start();
        Send(hpcrun, signal);
        Assert.Equal($"got {name}", hpcrun.StandardOutput.ReadLine());
        Send(hpcrun, 9);
        hpcrun.WaitForExit();
    }

    [Fact]
    public void AJobStoppedOnItsOwnGoesOnWhenHpcrunAloneIsContinued()
    {
        // kill -STOP of the job stops hpcrun with it; a SIGCONT of hpcrun alone (a shell's fg or bg signals the
        // whole process group instead) continues the job through hpcrun.
        using var hpcrun = Hpcrun.Start([images.Image, "sh", "-c",
            "trap 'echo got CONT' CONT; echo $$; while :; do sleep 1 & wait $!; done"]);
        string job = hpcrun.StandardOutput.ReadLine()!;
        TestEnvironment.RunChecked("kill", "-STOP", job);
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (File.ReadAllText($"/proc/{hpcrun.Id}/stat").Split(") ")[1][0] != 'T')
        {
            Assert.True(DateTime.UtcNow < deadline, "hpcrun did not stop with its job");
            Thread.Sleep(10);
        }
        Send(hpcrun, 18);
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

    private const string Dispositions = "grep -E '^Sig(Ign|Blk)' /proc/self/status";

    /// <summary>The three ways a job is started: in hpcrun's own container; by the first rank of a
    /// node group; by a rank that joins it (started while the first rank's job waits on a FIFO).</summary>
    public static TheoryData<string, string> Launches => new()
    {
        { "own container", $"\"$H\" \"$1\" {Dispositions}" },
        { "first rank of a node group", $"HPCRUN_JOIN_KEY=$$ \"$H\" \"$1\" {Dispositions}" },
        {
            "rank joining a node group", "f=$(mktemp -u); mkfifo $f; " +
            "HPCRUN_JOIN_KEY=$$ \"$H\" \"$1\" sh -c 'echo up; read _' < $f | " +
            $"{{ exec 4>$f; read _; HPCRUN_JOIN_KEY=$$ \"$H\" \"$1\" {Dispositions}; exec 4>&-; }}; rm $f"
        },
    };

    [Theory]
    [MemberData(nameof(Launches))]
    public void TheJobStartsWithTheCallersSignalDispositionsAndMask(string how, string launch)
    {
        // The caller blocks SIGUSR2 and ignores SIGUSR1 and SIGPIPE; the .NET runtime itself
        // ignores SIGPIPE and keeps a mask of its own, which the job must not inherit.
        const string caller = "exec perl -e 'use POSIX; sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGUSR2)); " +
                              "$SIG{USR1} = $SIG{PIPE} = q(IGNORE); exec @ARGV' bash -c \"$0\" bash \"$1\"";
        var result = Hpcrun.Script(caller, [$"{Dispositions}; echo ---; {launch}", images.Image]);
        Assert.True(result.ExitCode == 0, $"{how}: {result}");
        string[] parts = result.Stdout.Split("---\n");
        Assert.Contains("SigBlk:\t0000000000000800", parts[0]); // SIGUSR2
        Assert.Contains("SigIgn:\t0000000000001200", parts[0]); // SIGUSR1, SIGPIPE
        Assert.Equal(parts[0], parts[1]);
    }

    [Fact]
    public void APipeClosedUnderTheJobEndsItAsItWouldNatively()
    {
        // From a caller with SIGPIPE's default action (the test host, a .NET process, ignores it).
        var result = Hpcrun.Script("exec perl -e '$SIG{PIPE} = q(DEFAULT); exec @ARGV' \"$H\" \"$0\" " +
            "sh -c 'yes | head -1; kill -PIPE $$'",
            [images.Image]);
        Assert.Equal(128 + 13, result.ExitCode);
        Assert.Equal("y\n", result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    private Process Start()
    {
        var hpcrun = Hpcrun.Start([images.Image, "sh", "-c", Traps]);
        Assert.Equal("ready", hpcrun.StandardOutput.ReadLine());
        return hpcrun;
    }

    private static void Send(Process process, int signal) =>
        TestEnvironment.RunChecked("kill", $"-{signal}", process.Id.ToString());
}
