using System.Diagnostics;
using HpcRun.TestSupport;

namespace HpcRun.Slurm.Tests;

/// <summary>`hpcrun submit|status|cancel|jobs` against the live slurmrestd, as the unprivileged test user.</summary>
[Collection("cluster")]
public class RestVerbsTests(LocalCluster cluster)
{
    private readonly ClusterUser user = new(cluster);

    private CommandResult Hpcrun_(IEnumerable<string> args, params (string, string)[] env) => user.Hpcrun(args, env);

    private CommandResult Hpcrun_(params string[] args) => user.Hpcrun(args);

    private long Submit(params string[] args) => user.Submit(args);

    private string StateOnceReached(long job, string state) => user.StateOnceReached(job, state);

    [Fact]
    public void Submit_status_cancel_round_trip()
    {
        long job = Submit("-J", "roundtrip", "-t", "5", LocalCluster.Image, "--", "sleep", "300");
        Assert.Equal("RUNNING", StateOnceReached(job, "RUNNING"));
        CommandResult table = Hpcrun_("jobs");
        Assert.Matches($@"(?m)^\s*{job}\s+roundtrip\s+{TestEnvironment.User}\s+RUNNING", table.Stdout);
        CommandResult cancel = Hpcrun_("cancel", job.ToString());
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Equal("CANCELLED", StateOnceReached(job, "CANCELLED"));
        Assert.Matches(@"exit\s+143", Hpcrun_("status", job.ToString()).Stdout); // SIGTERM
    }

    [Fact]
    public void Wait_ends_with_the_job_exit_status_and_its_output_path()
    {
        CommandResult run = Hpcrun_("submit", "--wait", "-n", "2", LocalCluster.Image, "--", "sh", "-c",
            "echo task $SLURM_PROCID; exit 3");
        Assert.Equal(3, run.ExitCode);
        string outputPath = run.Stderr.Split('\n').Single(l => l.StartsWith("output: "))["output: ".Length..];
        Assert.Equal(Path.Combine(LocalCluster.JobsDir, $"slurm-{run.Stdout.Trim()}.out"), outputPath);
        string output = File.ReadAllText(outputPath);
        Assert.Contains("task 0\n", output);
        Assert.Contains("task 1\n", output);
        Assert.Contains("FAILED", run.Stderr);
    }

    [Fact]
    public void Successful_job_waits_to_zero()
    {
        CommandResult run = Hpcrun_("submit", "--wait", "-o", "ok-%j.txt", LocalCluster.Image, "--", "true");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(Path.Combine(LocalCluster.JobsDir, $"ok-{run.Stdout.Trim()}.txt")));
    }

    [Fact]
    public void Launch_options_reach_the_job()
    {
        string shared = Directory.CreateDirectory(Path.Combine(LocalCluster.JobsDir, $"bind-{Guid.NewGuid():N}"),
            (UnixFileMode)0b111_101_101).FullName;
        File.WriteAllText(Path.Combine(shared, "note"), "from the host\n");
        CommandResult run = Hpcrun_("submit", "--wait", "-B", $"{shared}:/probe:ro",
            "--env", "GREETING=hello world", "--fakeroot",
            LocalCluster.Image, "--", "sh", "-c", "echo \"$GREETING\"; cat /probe/note; id -u");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello world\nfrom the host\n0\n",
            File.ReadAllText(Path.Combine(LocalCluster.JobsDir, $"slurm-{run.Stdout.Trim()}.out")));
    }

    /// <summary>Ctrl-C (SIGINT) or SIGTERM of `submit --wait` stops hpcrun, not the job: the line names the job and how
    /// to follow it, as a wait that gives up does, and hpcrun ends by the signal (it ended by it without a
    /// word).</summary>
    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public async Task An_interrupted_wait_names_the_job_which_runs_on(string signal, int status)
    {
        using Process submit = TestSupport.Hpcrun.Start(["submit", "--wait", "-D", LocalCluster.JobsDir, "-t", "5",
            LocalCluster.Image, "--", "sleep", "300"], cluster.UserEnvironment());
        long job = long.Parse(submit.StandardOutput.ReadLine()!);
        while (submit.StandardError.ReadLine() is { } line && !line.StartsWith($"job {job} RUNNING")) { }
        TestEnvironment.RunChecked("kill", $"-{signal}", submit.Id.ToString());
        Assert.True(submit.WaitForExit(TimeSpan.FromSeconds(60)), "hpcrun did not end");
        string rest = await submit.StandardError.ReadToEndAsync();
        Assert.Equal((status, $"hpcrun: job {job} is submitted and may still run, but hpcrun stopped waiting for it: " +
            $"interrupted by SIG{signal}; follow it with `hpcrun status {job}`\n"), (submit.ExitCode, rest));
        Assert.Matches(@"(?m)^state\s+RUNNING$", Hpcrun_("status", job.ToString()).Stdout);
        CommandResult cancel = Hpcrun_("cancel", job.ToString());
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
    }

    [Fact]
    public void Bad_partition_is_refused_with_slurms_reason()
    {
        CommandResult run = Hpcrun_("submit", "-p", "nosuchpartition", LocalCluster.Image, "--", "true");
        Assert.Equal(94, run.ExitCode);
        Assert.Equal("hpcrun: could not submit the job: Invalid partition name specified\n", run.Stderr);
    }

    [Fact]
    public void Unknown_job_has_its_own_status()
    {
        CommandResult run = Hpcrun_("status", "999999");
        Assert.Equal(98, run.ExitCode);
        Assert.Equal("hpcrun: Slurm knows no job 999999 (never submitted, or it ended long enough ago to be "
            + "forgotten)\n", run.Stderr);
    }

    [Fact]
    public void Bad_token_says_token_rejected_and_never_shows_the_token()
    {
        const string bad = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdW4iOiJub2JvZHkifQ.not-a-signature";
        CommandResult run = Hpcrun_(["--debug", "jobs"], ("SLURM_JWT", bad));
        Assert.Equal(93, run.ExitCode);
        Assert.Contains("token rejected", run.Stderr);
        Assert.DoesNotContain("not-a-signature", run.Stdout + run.Stderr);
    }

    [Fact]
    public void Real_token_never_appears_in_debug_output_or_errors()
    {
        CommandResult ok = Hpcrun_("--debug", "jobs");
        CommandResult failed = Hpcrun_("--debug", "submit", "-p", "nosuchpartition", LocalCluster.Image, "--", "true");
        Assert.Equal((0, 94), (ok.ExitCode, failed.ExitCode));
        Assert.Contains("GET http://127.0.0.1:6820/slurm/v0.0.38/jobs -> 200", ok.Stderr);
        string signature = cluster.Token.Split('.')[^1];
        Assert.DoesNotContain(signature, ok.Stdout + ok.Stderr + failed.Stdout + failed.Stderr);
    }

    [Fact]
    public void Server_down_is_one_line_after_bounded_retries()
    {
        // nothing listens on the discard port
        CommandResult run = Hpcrun_("--debug", "jobs", "--url", "http://127.0.0.1:9");
        Assert.Equal(91, run.ExitCode);
        Assert.Contains("hpcrun: cannot reach slurmrestd at http://127.0.0.1:9/: connection refused",
            run.Stderr.Replace("ERR ", "hpcrun: "));
        // 1 try + 3 retries
        Assert.Equal(4, run.Stderr.Split('\n').Count(l => l.Contains("GET http://127.0.0.1:9/openapi/v3")));
    }

    [Fact]
    public void Missing_token_is_a_settings_error()
    {
        CommandResult run = Hpcrun_(["jobs"], ("SLURM_RESTD_TOKEN_FILE", "/nonexistent/token"));
        Assert.Equal(90, run.ExitCode);
        Assert.Contains("no slurmrestd token", run.Stderr);
    }
}
