using System.Diagnostics;
using HpcRun.TestSupport;

namespace HpcRun.Slurm.Tests;

/// <summary>`srun hpcrun IMAGE CMD` behaves like `srun CMD`, on the live two-node cluster, as the unprivileged
/// test user.</summary>
[Collection("cluster")]
public class SrunTests
{
    private static CommandResult Srun(params string[] args) => LocalCluster.AsUser(["srun", .. args]);

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(255)]
    public void Task_exit_status_is_sruns_exit_status(int status)
    {
        CommandResult run = Srun("-n1", Hpcrun.Binary, LocalCluster.Image, "sh", "-c", $"exit {status}");
        Assert.Equal(status, run.ExitCode);
    }

    [Fact]
    public void Every_task_sees_its_slurm_variables_inside()
    {
        CommandResult run = Srun("-N1", "-n2", Hpcrun.Binary, LocalCluster.Image, "sh", "-c",
            "echo rank=$SLURM_PROCID of=$SLURM_NTASKS job=$SLURM_JOB_ID uid=$(id -u)");
        Assert.True(run.ExitCode == 0, run.ToString());
        string[] lines = [.. run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order()];
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^rank=0 of=2 job=\d+ uid=1500$", lines[0]);
        Assert.Matches(@"^rank=1 of=2 job=\d+ uid=1500$", lines[1]);
    }

    /// <summary>Four tasks on one node share one container, and every task but the node's first rank takes the
    /// fast join (Native/early.c): its job is the task's process itself (SLURM_TASK_PID), where the first rank's job
    /// is its child. Slurm gives TMPDIR=/tmp to task 0 alone, which is no hindrance, whichever task is first; each
    /// job gets its own TMPDIR, or none. The jobs wait for each other, so that no task starts after the first rank
    /// has left (it would set up a container of its own).</summary>
    [Fact]
    public void Every_task_but_the_first_fast_joins()
    {
        string met = Directory.CreateDirectory(Path.Combine(LocalCluster.JobsDir, $"met-{Guid.NewGuid():N}")).FullName;
        File.SetUnixFileMode(met, (UnixFileMode)0b111_111_111);
        CommandResult run = Srun("-N1", "-n4", "-O", Hpcrun.Binary, LocalCluster.Image, "sh", "-c",
            $"touch {met}/$SLURM_PROCID; while [ $(ls {met} | wc -l) -lt 4 ]; do sleep 0.05; done; " +
            "[ $$ = $SLURM_TASK_PID ] && how=fast || how=slow; echo $SLURM_PROCID $how ${TMPDIR-none}");
        Directory.Delete(met, recursive: true);
        Assert.True(run.ExitCode == 0, run.ToString());
        string[][] tasks = [.. run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order()
            .Select(line => line.Split(' '))];
        Assert.Equal(["0", "1", "2", "3"], tasks.Select(t => t[0]));
        Assert.Equal(["/tmp", "none", "none", "none"], tasks.Select(t => t[2]));
        Assert.Equal(["fast", "fast", "fast", "slow"], tasks.Select(t => t[1]).Order());
    }

    [Fact]
    public void Label_prefixes_each_line_with_its_task()
    {
        CommandResult run = Srun("-N1", "-n2", "--label", Hpcrun.Binary, LocalCluster.Image, "echo", "hello");
        Assert.Equal(["0: hello", "1: hello"], run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [Fact]
    public void Stderr_stays_stderr()
    {
        CommandResult run = Srun("-n1", Hpcrun.Binary, LocalCluster.Image, "sh", "-c", "echo out; echo err >&2");
        Assert.Equal(("out\n", "err\n"), (run.Stdout, run.Stderr));
    }

    [Fact]
    public void Tasks_run_on_both_nodes()
    {
        CommandResult run = Srun("-N2", "-n4", Hpcrun.Binary, LocalCluster.Image, "hostname");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["node1", "node1", "node2", "node2"],
            run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [Fact]
    public void Scancel_leaves_no_process_behind()
    {
        Process srun = StartSrun("-J", "to-cancel", "-N2", "-n2", Hpcrun.Binary, LocalCluster.Image, "sleep", "600");
        string job = WaitUntilBothTasksRun("to-cancel");
        Assert.Equal(0, LocalCluster.AsUser("scancel", job).ExitCode);
        Assert.True(srun.WaitForExit(TimeSpan.FromMinutes(2)), "srun did not end after scancel");
        AssertNothingLeftOf(job);
    }

    [Fact]
    public void Time_limit_ends_the_containers_cleanly()
    {
        CommandResult run = Srun("-J", "time-limit", "-t", "1", "-n1", Hpcrun.Binary, LocalCluster.Image, "sh", "-c",
            "echo job=$SLURM_JOB_ID; exec sleep 600");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("DUE TO TIME LIMIT", run.Stderr);
        AssertNothingLeftOf(run.Stdout.Trim()["job=".Length..]);
    }

    /// <summary>`scancel -s USR1` reaches the job once: slurmstepd signals every process of the step, hpcrun's job
    /// among them, so hpcrun does not forward a signal slurmstepd sent (the job got it twice). A signal sent to hpcrun
    /// alone (kill(1)) is still forwarded, once.</summary>
    [Fact]
    public void A_signal_from_slurm_reaches_the_job_once_and_one_to_hpcrun_alone_is_forwarded()
    {
        string stop = Path.Combine(LocalCluster.JobsDir, $"stop-{Guid.NewGuid():N}");
        using Process srun = StartSrun("-J", "signal-once", "-n1", Hpcrun.Binary, LocalCluster.Image,
            TestImages.SignalCounter, stop);
        try
        {
            string hpcrun = srun.StandardOutput.ReadLine()!["up ".Length..];
            string job = LocalCluster.AsUser("squeue", "-h", "-n", "signal-once", "-o", "%i").Stdout.Trim();
            Assert.Equal(0, LocalCluster.AsUser("scancel", "-s", "USR1", job).ExitCode);
            Assert.Equal("got USR1", srun.StandardOutput.ReadLine());
            TestEnvironment.RunChecked("kill", "-USR1", hpcrun);
            Assert.Equal("got USR1", srun.StandardOutput.ReadLine());
            File.WriteAllText(stop, "");
            Assert.Equal("counted INT=0 QUIT=0 USR1=2 TERM=0", srun.StandardOutput.ReadLine());
            Assert.True(srun.WaitForExit(TimeSpan.FromMinutes(1)), "srun did not end");
            Assert.Equal(0, srun.ExitCode);
        }
        finally { File.Delete(stop); }
    }

    private static Process StartSrun(params string[] args)
    {
        var info = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = LocalCluster.JobsDir,
        };
        foreach (string a in (string[])["--reuid", TestEnvironment.User, "--regid", TestEnvironment.User,
            "--init-groups", "--", "env", $"SLURM_CONF={LocalCluster.Config}", "PATH=/usr/bin:/bin", "srun", .. args])
            info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    /// <summary>The job id once both tasks' commands run inside their containers.</summary>
    private static string WaitUntilBothTasksRun(string name)
    {
        for (int i = 0; i < 600; i++)
        {
            string job = LocalCluster.AsUser("squeue", "-h", "-n", name, "-t", "RUNNING", "-o", "%i").Stdout.Trim();
            if (job.Length > 0 && ProcessesOf(job).Count(p => p.StartsWith("sleep 600")) == 2) return job;
            Thread.Sleep(100);
        }
        throw new TimeoutException($"job {name} did not start");
    }

    /// <summary>
    /// Command lines of the processes started for a job, on every node (they share this machine):
    /// the job's environment marks them, whoever their parent is now. Other tests run as the same
    /// user at the same time, so the user's processes alone would say nothing.
    /// </summary>
    private static string[] ProcessesOf(string job)
    {
        var found = new List<string>();
        foreach (string dir in Directory.GetDirectories("/proc").Where(d => char.IsAsciiDigit(Path.GetFileName(d)[0])))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains($"SLURM_JOB_ID={job}"))
                    found.Add(File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim());
            }
            catch (IOException) { } // the process ended while we looked
            catch (UnauthorizedAccessException) { }
        }
        return [.. found.Where(c => !c.StartsWith("slurmstepd"))];
    }

    private static void AssertNothingLeftOf(string job)
    {
        string[] left = [];
        for (int i = 0; i < 100; i++) // slurmstepd reaps asynchronously after srun returns
        {
            left = ProcessesOf(job);
            if (left.Length == 0) break;
            Thread.Sleep(100);
        }
        Assert.Empty(left);
    }
}
