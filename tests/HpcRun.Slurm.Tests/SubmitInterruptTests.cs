using System.Diagnostics;
using HpcRun.TestSupport;

namespace HpcRun.Slurm.Tests;

/// <summary>`hpcrun submit` stopped (Ctrl-C, SIGTERM) while slurmrestd has not answered its submit yet: Slurm may have
/// queued the job, which hpcrun cannot know, and says so rather than ending without a word. A stopped wait, once the
/// job is known, is the live cluster's (RestVerbsTests).</summary>
public sealed class SubmitInterruptTests
{
    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public async Task An_interrupted_submit_says_the_job_may_be_queued(string signal, int status)
    {
        using var silent = new CannedHttpServer(200, null);
        using Process submit = Hpcrun.Start(["submit", "--url", silent.Url, "--api-version", "v0.0.38",
            TestImages.BusyboxSquashFs, "--", "true"], CannedRuns.With("SLURM_JWT", "not-checked-here"));
        var clock = Stopwatch.StartNew();
        while (silent.Requests == 0 && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(20);
        TestEnvironment.RunChecked("kill", $"-{signal}", submit.Id.ToString());
        Assert.True(submit.WaitForExit(TimeSpan.FromSeconds(60)), "hpcrun did not end");
        Assert.Equal((status, "", $"hpcrun: interrupted by SIG{signal} while submitting the job: Slurm may have " +
            "queued it all the same; `hpcrun jobs` lists yours\n"), (submit.ExitCode,
            await submit.StandardOutput.ReadToEndAsync(), await submit.StandardError.ReadToEndAsync()));
    }
}
