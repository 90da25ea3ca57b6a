using HpcRun.TestSupport;
using static HpcRun.Slurm.Tests.CannedRuns;

namespace HpcRun.Slurm.Tests;

/// <summary>`submit --wait` once the job is submitted: a poll that stalls past --timeout is polled through, and a wait
/// that ends before the job names the job, says it may still run and how to follow it.</summary>
public sealed class SubmitWaitStallTests
{
    private static readonly CannedHttpServer.Answer Submitted = new(200, Samples.Read("submit_response.json"));
    private static readonly CannedHttpServer.Answer Silence = new(200, null);
    private static readonly CannedHttpServer.Answer Completed =
        new(200, Samples.Read("job_running.json").Replace("\"RUNNING\"", "\"COMPLETED\""));

    // A silent poll is found by --timeout alone; 3 s, not 1, so that the submit before it, answered at once, never
    // runs out of time on a loaded machine (it did in CI at 1 s).
    private static CommandResult SubmitAndWait(CannedHttpServer server) =>
        Run("submit", server.Url, ["--wait", "--timeout", "3", TestImages.BusyboxSquashFs, "--", "true"]);

    [Fact]
    public void A_poll_that_stalls_past_the_timeout_is_polled_through()
    {
        using var server = new CannedHttpServer(n => n switch { 1 => Submitted, 2 => Silence, _ => Completed });
        CommandResult run = SubmitAndWait(server);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("3\n", run.Stdout);
        Assert.Contains("hpcrun: warning: no news of job 3: ", run.Stderr);
        Assert.Contains("; asking again in 1 s\n", run.Stderr);
        Assert.Contains("job 3 COMPLETED", run.Stderr);
        Assert.Equal(3, server.Requests);
    }

    [Fact]
    public void A_wait_that_gives_up_names_the_job_and_how_to_follow_it()
    {
        using var server = new CannedHttpServer(n => n == 1 ? Submitted : Silence);
        CommandResult run = SubmitAndWait(server);
        Assert.True(run.ExitCode == 96, run.ToString());
        Assert.Equal("3\n", run.Stdout);
        string[] lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(JobFollowing.MaxStalledPolls - 1, lines.Count(l => l.StartsWith("hpcrun: warning: no news")));
        Assert.StartsWith("hpcrun: job 3 is submitted and may still run, but hpcrun stopped waiting for it: ",
            lines[^1]);
        Assert.EndsWith("; follow it with `hpcrun status 3`", lines[^1]);
        Assert.Equal(1 + JobFollowing.MaxStalledPolls, server.Requests);
    }

    /// <summary>An answer is not a stall: a rejected token would be rejected again, so the wait ends at once, still
    /// naming the job.</summary>
    [Fact]
    public void A_rejected_token_while_waiting_ends_the_wait_at_once_naming_the_job()
    {
        var rejected = new CannedHttpServer.Answer(500, Samples.Read("error_invalid_token.json"));
        using var server = new CannedHttpServer(n => n == 1 ? Submitted : rejected);
        CommandResult run = SubmitAndWait(server);
        Assert.True(run.ExitCode == 93, run.ToString());
        Assert.Equal("3\n", run.Stdout);
        string line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("hpcrun: job 3 is submitted and may still run, but hpcrun stopped waiting for it: ", line);
        Assert.EndsWith("; follow it with `hpcrun status 3`", line);
        Assert.Equal(2, server.Requests);
    }

    [Theory]
    [InlineData(SlurmFault.Timeout, true)]
    [InlineData(SlurmFault.Unreachable, true)]
    [InlineData(SlurmFault.TokenRejected, false)]
    [InlineData(SlurmFault.Unauthorized, false)]
    [InlineData(SlurmFault.SlurmError, false)]
    [InlineData(SlurmFault.BadResponse, false)]
    public void Only_silence_and_a_lost_connection_are_polled_through(SlurmFault fault, bool transient) =>
        Assert.Equal(transient, JobFollowing.IsTransient(fault));

    [Fact]
    public void The_line_of_a_wait_that_ends_early_names_the_job_and_the_fault() =>
        Assert.Equal("job 42 is submitted and may still run, but hpcrun stopped waiting for it: slurmrestd at " +
            "http://h:6820/ did not answer within 1 s; follow it with `hpcrun status 42`",
            JobFollowing.StoppedWaiting(42, "slurmrestd at http://h:6820/ did not answer within 1 s"));
}
