using HpcRun.TestSupport;

namespace HpcRun.Slurm.Tests;

/// <summary>
/// `hpcrun cancel` of jobs it cannot cancel, against the live cluster: each one line and its own status. For a job
/// that already ended, slurmrestd 22.05 answers the DELETE with 200 and no error, and scancel is silent with status
/// 0 (`scancel -v` says "Job/step already completing or completed"); hpcrun says so, with status 97.
/// </summary>
[Collection("cluster")]
public class CancelTests(LocalCluster cluster)
{
    private readonly ClusterUser user = new(cluster);

    private static void AssertLine(CommandResult run, int status, string line)
    {
        Assert.True(run.ExitCode == status, run.ToString());
        Assert.Equal(("", $"hpcrun: {line}\n"), (run.Stdout, run.Stderr));
    }

    [Fact]
    public void A_job_that_completed_is_said_to_have_ended()
    {
        CommandResult done = user.Hpcrun("submit", "--wait", LocalCluster.Image, "--", "true");
        Assert.True(done.ExitCode == 0, done.ToString());
        string job = done.Stdout.Trim();
        CommandResult scancel = LocalCluster.AsUser("scancel", job);
        Assert.Equal((0, ""), (scancel.ExitCode, scancel.Stderr)); // the real tool: silent success
        AssertLine(user.Hpcrun("cancel", job), 97, $"job {job} already ended (COMPLETED): nothing to cancel");
    }

    [Fact]
    public void A_job_cancelled_already_is_said_to_have_ended()
    {
        long job = user.Submit("-t", "5", LocalCluster.Image, "--", "sleep", "300");
        CommandResult first = user.Hpcrun("cancel", job.ToString());
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal("CANCELLED", user.StateOnceReached(job, "CANCELLED"));
        AssertLine(user.Hpcrun("cancel", job.ToString()), 97,
            $"job {job} already ended (CANCELLED): nothing to cancel");
    }

    [Fact]
    public void A_job_slurm_does_not_know_has_its_own_status()
    {
        AssertLine(user.Hpcrun("cancel", "999999"), 98,
            "Slurm knows no job 999999 (never submitted, or it ended long enough ago to be forgotten)");
    }

    [Fact]
    public void Another_users_job_is_refused_naming_its_owner()
    {
        CommandResult sbatch = TestEnvironment.Run("sbatch", ["--parsable", "--wrap", "sleep 300"],
            env: new Dictionary<string, string> { ["SLURM_CONF"] = LocalCluster.Config }, cwd: LocalCluster.JobsDir);
        Assert.True(sbatch.ExitCode == 0, sbatch.ToString());
        string job = sbatch.Stdout.Trim();
        try
        {
            AssertLine(user.Hpcrun("cancel", job), 94, $"could not cancel job {job}: Access/permission denied " +
                $"(job {job} is root's, not {TestEnvironment.User}'s)");
        }
        finally
        {
            TestEnvironment.Run("scancel", [job], env: new Dictionary<string, string>
            {
                ["SLURM_CONF"] = LocalCluster.Config,
            });
        }
    }

    /// <summary>slurmrestd 22.05 shows a task of a job array by the task's own id, but answers its DELETE with
    /// "Invalid job id specified": hpcrun says what the job is and what cancels it.</summary>
    [Fact]
    public void A_task_of_a_job_array_says_how_to_cancel_it()
    {
        CommandResult sbatch = LocalCluster.AsUser("sbatch", "--parsable", "--array=0-2%1", "--wrap", "sleep 300");
        Assert.True(sbatch.ExitCode == 0, sbatch.ToString());
        string array = sbatch.Stdout.Trim();
        try
        {
            string task = TaskId($"{array}_0");
            AssertLine(user.Hpcrun("cancel", task), 94, $"could not cancel job {task}: it is task {array}_0 of a " +
                $"job array, which slurmrestd cannot cancel alone: `scancel {array}_0`, or `hpcrun cancel {array}` " +
                "for the whole array");
            AssertLine(user.Hpcrun("cancel", $"{array}_0"), 64, $"JOB: '{array}_0' is a task of job array " +
                $"{array}, which slurmrestd does not take: give {array} for the whole array, or use squeue/scancel " +
                "for the task");
        }
        finally
        {
            CommandResult whole = user.Hpcrun("cancel", array);
            Assert.True(whole.ExitCode == 0, whole.ToString());
        }
    }

    /// <summary>The task's own job id, once it runs.</summary>
    private static string TaskId(string task)
    {
        for (int i = 0; i < 300; i++, Thread.Sleep(100))
            if (LocalCluster.AsUser("squeue", "-h", "-j", task, "-o", "%A %T").Stdout.Trim().Split(' ') is
                [var id, "RUNNING"]) return id;
        throw new TimeoutException($"{task} did not start");
    }
}
