using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>
/// hpcrun killed at any instant of its start (SIGKILL or SIGTERM) leaves nothing: no process in
/// any state but zombie, no mount. The instant that used to hang: a thread (or the job, before
/// its exec) waiting on the image's mount in the same process that held the FUSE device, whose
/// serving thread was dead; the process stayed in state D, unkillable.
/// </summary>
[Collection(ContainerCollection.Name)]
public class KillTests(ContainerFixture images)
{
    private const int Runs = 3000;

    /// <summary>$1 runs of `hpcrun $0 /bin/true MARKER`, each killed at a random instant in 0-50 ms.</summary>
    private const string KillLoop = """
        for i in $(seq "$1"); do
          "$H" "$0" /bin/true "$2" & pid=$!
          sleep "0.$(printf %03d $((RANDOM % 50)))"
          if ((RANDOM % 2)); then kill -KILL $pid; else kill -TERM $pid; fi 2>/dev/null
          wait $pid 2>/dev/null
        done
        echo done
        """;

    [Fact]
    public void KilledAtRandomInstantsOfItsStartNothingIsLeft()
    {
        string marker = $"kill-test-{Guid.NewGuid():N}";
        try
        {
            // About 50 ms a run; the limit only catches a loop that hangs.
            var result = Hpcrun.Script(KillLoop, [images.Image, Runs.ToString(), marker],
                timeout: TimeSpan.FromMinutes(30));
            Assert.True(result.ExitCode == 0 && result.Stdout == "done\n", result.ToString());
            Assert.Empty(Survivors(marker));
            Assert.Empty(LeakCheck.HostMounts());
        }
        finally { FreeStuck(marker); }
    }

    /// <summary>What SIGKILL of hpcrun leaves (README, "Supervision and exit status"): the job's own process dies with
    /// it and the image's connection ends, but a process the job started in the background keeps running (hpcrun
    /// makes no PID namespace), reparented, and every access to the image fails; nothing is mounted on the host.
    /// The background shell waits on a long sleep, touching nothing of the image after the kill: one that ran a
    /// command meanwhile would fail to find it, and one whose next page of code is not in memory would die of
    /// SIGBUS, either way by chance (it failed so in CI).</summary>
    [Fact]
    public void SigkillLeavesTheJobsBackgroundProcessWithoutItsImage()
    {
        string marker = $"kill-background-{Guid.NewGuid():N}";
        using var hpcrun = Hpcrun.Start([images.Image, "sh", "-c",
            "sh -c 'sleep 3600; :' \"$0\" & wait", marker]);
        int job = 0, background = 0;
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            while (background == 0 || job == 0 || job == background || !Sleeping(background))
            {
                Assert.True(started.Elapsed < TimeSpan.FromSeconds(60), "the job did not start");
                Thread.Sleep(50);
                job = Find(marker, cmdline => cmdline.Contains("wait"));
                background = Find(marker, cmdline => cmdline.Contains("sleep") && !cmdline.Contains("wait"));
            }
            hpcrun.Kill(); // SIGKILL
            hpcrun.WaitForExit();
            for (var waited = System.Diagnostics.Stopwatch.StartNew(); Running(job);)
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "the job's own process outlived hpcrun");
                Thread.Sleep(20);
            }
            Thread.Sleep(500);
            Assert.True(Running(background), "the background process ended: README says it keeps running");
            Assert.ThrowsAny<IOException>(() => Directory.GetFileSystemEntries($"/proc/{background}/root/bin"));
            Assert.Empty(LeakCheck.HostMounts());
        }
        finally
        {
            if (background != 0 && Running(background)) // its sleep first, which would outlive it
                TestEnvironment.Run("sh", ["-c", $"pkill -KILL -P {background}; kill -KILL {background}"]);
            FreeStuck(marker);
        }
    }

    /// <summary>Whether a child of <paramref name="pid"/> waits in the kernel's nanosleep: before that, sleep still
    /// reads its code from the image, and the kill would end it by SIGBUS and its shell with it.</summary>
    private static bool Sleeping(int pid)
    {
        try
        {
            string children = File.ReadAllText($"/proc/{pid}/task/{pid}/children");
            return children.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Any(child => File.ReadAllText($"/proc/{child}/wchan").Contains("nanosleep"));
        }
        catch (IOException) { return false; } // ended meanwhile
    }

    private static bool Running(int pid)
    {
        try { return !File.ReadAllText($"/proc/{pid}/status").Contains("zombie"); }
        catch (IOException) { return false; }
    }

    /// <summary>The pid of a process of this test (not hpcrun) whose command line holds <paramref name="marker"/> and
    /// passes <paramref name="match"/>; 0 when there is none.</summary>
    private static int Find(string marker, Func<string, bool> match)
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc")
                     .Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (cmdline.Contains(marker) && !cmdline.Contains(Hpcrun.Binary) && match(cmdline))
                    return int.Parse(Path.GetFileName(dir));
            }
            catch (IOException) { } // ended meanwhile
        }
        return 0;
    }

    /// <summary>The processes of this test (hpcrun and its jobs carry the marker) that are not zombies.</summary>
    private static List<string> Survivors(string marker)
    {
        var survivors = new List<string>();
        foreach (string dir in Directory.EnumerateDirectories("/proc")
                     .Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            try
            {
                if (!File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(marker)) continue;
                string state = File.ReadAllLines(Path.Combine(dir, "status")).First(l => l.StartsWith("State:"));
                if (!state.Contains("zombie")) survivors.Add($"{Path.GetFileName(dir)} {state}");
            }
            catch (IOException) { } // ended meanwhile
        }
        return survivors;
    }

    /// <summary>Should the test fail, frees what it left: a process stuck on a dead FUSE server ends only
    /// when root aborts the connection (fusectl), then it can be killed.</summary>
    private static void FreeStuck(string marker)
    {
        if (Survivors(marker).Count == 0) return;
        TestEnvironment.Run("sh", ["-c", "mountpoint -q /sys/fs/fuse/connections || " +
            "mount -t fusectl none /sys/fs/fuse/connections; " +
            "for c in /sys/fs/fuse/connections/*/abort; do echo 1 > $c; done; pkill -KILL -f " + marker]);
    }
}
