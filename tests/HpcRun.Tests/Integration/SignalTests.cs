using System.Diagnostics;
using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>Signals sent to hpcrun reach the job. The job says when its traps are set, so
/// nothing here depends on timing.</summary>
[Collection(ContainerCollection.Name)]
public class SignalTests(ContainerFixture images)
{
    /// <summary>Every signal hpcrun forwards (README, "Supervision and exit status"), by number, and SIGCONT.</summary>
    private static readonly int[] Trapped = [15, 2, 1, 3, 10, 12, 14, 26, 27, 24, 25, 30, 16, 29, 23, 28, 20, 35, 64];

    private static readonly string Traps = $"for s in {string.Join(' ', Trapped)} 18; do trap \"echo got $s\" $s; " +
                                           "done; echo ready; while :; do sleep 1 & wait $!; done";

    public static TheoryData<int> Forwarded => [.. Trapped];

    [Theory]
    [MemberData(nameof(Forwarded))]
    public void IsForwarded(int signal)
    {
        // Before the list was widened, SIGALRM, SIGXCPU, SIGPWR and the rest ended hpcrun, and the job with it,
        // though the job trapped them.
        using var hpcrun = Start();
        Send(hpcrun, signal);
        Assert.Equal($"got {signal}", ReadLine(hpcrun));
        Send(hpcrun, 9);
        hpcrun.WaitForExit();
    }

    [Theory]
    [InlineData("STOP"), InlineData("TSTP")]
    public void AJobStoppedByItsOwnPidStopsAloneAndItsImageIsStillServed(string signal)
    {
        // kill -STOP or -TSTP of the job's own pid (from top, of one rank) used to stop hpcrun with it, and with
        // hpcrun the thread that serves the image: continued by its pid, the job then waited forever at its next
        // read of the image. The shell gives hpcrun a process group of its own (set -m): the kernel drops SIGTSTP sent
        // to an orphaned group, as the test host's may be.
        string script = "set -m; f=$(mktemp); \"$H\" \"$0\" sh -c 'echo $$ > \"$1\"; kill -" + signal + " $$; " +
            "ls -R /usr /etc > /dev/null; echo read the image' sh $f & p=$!; " +
            "until [ -s $f ] && j=$(cat $f) && [ \"$(cut -d' ' -f3 /proc/$j/stat)\" = T ]; do sleep 0.05; done; " +
            "rm $f; kill -CONT $j; " +
            "wait $p; r=$?; while [ $r = 148 ]; do wait $p; r=$?; done; echo rc=$r"; // 148: bash saw it stopped
        var result = Hpcrun.Script(script, [images.Image], timeout: TimeSpan.FromMinutes(2));
        Assert.True(result.Stdout == "read the image\nrc=0\n", result.ToString());
    }

    [Fact]
    public void ASigtstpOfHpcrunStopsTheJobAndHpcrunAndASigcontOfHpcrunContinuesBoth()
    {
        // SIGTSTP sent to hpcrun alone (not by the terminal to the whole group) was ignored: the job went on; and
        // hpcrun stopped by SIGSTOP where the job stopped by SIGTSTP, so its shell said 147 and "Stopped (signal)". The
        // shell gives hpcrun a process group of its own (set -m): the kernel drops the stop signals of job control
        // sent to an orphaned group, as the test host's may be.
        const string script = "set -m; f=$(mktemp -u); mkfifo $f; " +
            "\"$H\" \"$0\" sh -c 'read line; echo after $line' < $f & p=$!; exec 3> $f; rm $f; kill -TSTP $p; " +
            "until [ \"$(cut -d' ' -f3 /proc/$p/stat)\" = T ]; do sleep 0.05; done; wait $p; echo stopped $?; " +
            "kill -CONT $p; echo go >&3; exec 3>&-; " +
            "wait $p; r=$?; while [ $r = 148 ]; do wait $p; r=$?; done; echo rc=$r"; // 148: bash saw it stopped
        var result = Hpcrun.Script(script, [images.Image], timeout: TimeSpan.FromMinutes(2));
        Assert.True(result.Stdout == "stopped 148\nafter go\nrc=0\n", result.ToString()); // 128+SIGTSTP, as natively
    }

    public static TheoryData<string, string> Endings => new()
    {
        { "kill -INT $$", "killed by 2" },
        { "kill -TERM $$", "killed by 15" },
        { "kill -KILL $$", "killed by 9" },
        { "kill -SEGV $$", "killed by 11" },
        { "exit 130", "exited 130" },
        { "exit 3", "exited 3" },
    };

    [Theory]
    [MemberData(nameof(Endings))]
    public void HpcrunEndsAsItsJobEnded(string job, string expected)
    {
        // A job killed by a signal used to make hpcrun exit 128+N: a shell's `$?` is the same, but a caller that
        // looks (bash stopping a script's loop at Ctrl-C, srun, Python's returncode) saw an exit, not the signal.
        const string caller = "perl -e 'system @ARGV; my $s = $? & 127; " +
                              "print $s ? qq(killed by $s) : qq(exited ) . ($? >> 8), ($? & 128) ? q( core) : q()' " +
                              "-- \"$H\" \"$0\" sh -c \"$1\"";
        var result = Hpcrun.Script(caller, [images.Image, job], cwd: "/tmp");
        Assert.Equal(expected, result.Stdout); // no core dump of hpcrun's own
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

    private static string ReadLine(Process process)
    {
        // Bounded: a signal that never reaches the job fails the test rather than hanging it.
        Task<string?> line = process.StandardOutput.ReadLineAsync();
        Assert.True(line.Wait(TimeSpan.FromMinutes(1)), "no line from the job");
        return line.Result ?? "";
    }

    private static void Send(Process process, int signal) =>
        TestEnvironment.RunChecked("kill", $"-{signal}", process.Id.ToString());
}
