using HpcRun.TestSupport;
using static HpcRun.Slurm.Tests.CannedRuns;

namespace HpcRun.Slurm.Tests;

/// <summary>Slurm 22.05's slurmrestd answers a job it queued with a complaint
/// (ESLURM_REQUESTED_PART_CONFIG_UNAVAILABLE: more nodes than the partition has now) with HTTP 500, its errors and the
/// job's id: the job is pending, so submit says its id and Slurm's words as a warning and succeeds, as sbatch does,
/// where it said the submission failed.</summary>
public sealed class SubmitQueuedWithErrorsTests
{
    private const string QueuedWithErrors = """
        {"meta":{"plugin":{"type":"openapi\/v0.0.38","name":"Slurm OpenAPI v0.0.38"}},
         "errors":[{"error_code":2015,"error":"Requested partition configuration not available now"}],
         "job_id":20544618,"step_id":"BATCH","job_submit_user_msg":""}
        """;

    [Fact]
    public void A_job_queued_with_errors_is_its_id_and_a_warning()
    {
        using var server = new CannedHttpServer(500, QueuedWithErrors);
        CommandResult run = Run("submit", server.Url, ["-N", "5", TestImages.BusyboxSquashFs, "--", "true"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("20544618\n", run.Stdout);
        Assert.Equal("hpcrun: warning: Slurm queued job 20544618 but said: Requested partition configuration not " +
            "available now\n", run.Stderr);
    }

    /// <summary>Errors without a job id stay a refusal (94), as a bad partition is.</summary>
    [Fact]
    public void Errors_without_a_job_are_a_refusal()
    {
        using var server = new CannedHttpServer(500, Samples.Read("error_bad_partition.json"));
        AssertFault(Run("submit", server.Url, ["-p", "nope", TestImages.BusyboxSquashFs, "--", "true"]), 94,
            "hpcrun: could not submit the job: Invalid partition name specified");
    }
}
