using static HpcRun.Slurm.Tests.CannedRuns;

namespace HpcRun.Slurm.Tests;

/// <summary>`status` and `cancel` take a job id (1 to 4294967293, Slurm's 32-bit ids less its reserved ones);
/// anything else is a bad command line (64) in one line, before any request. scancel refuses "abc" too ("Invalid
/// job id abc", status 1); a task of a job array (`5_1`), which scancel takes, slurmrestd 22.05 does not.</summary>
public class JobArgumentTests
{
    [Theory]
    [InlineData("abc", "JOB: 'abc' is no job id (a whole number, e.g. 42)")]
    [InlineData("5x", "JOB: '5x' is no job id (a whole number, e.g. 42)")]
    [InlineData("0", "JOB: '0' is no job id: Slurm numbers jobs from 1 to 4294967293")]
    [InlineData("-5", "JOB: '-5' is no job id: Slurm numbers jobs from 1 to 4294967293")]
    [InlineData("4294967294", "JOB: '4294967294' is no job id: Slurm numbers jobs from 1 to 4294967293")]
    [InlineData("99999999999999999999", "JOB: '99999999999999999999' is no job id: Slurm numbers jobs from 1 to " +
        "4294967293")]
    [InlineData("5_1", "JOB: '5_1' is a task of job array 5, which slurmrestd does not take: give 5 for the whole " +
        "array, or use squeue/scancel for the task")]
    public void Status_and_cancel_refuse_what_is_no_job_id_before_any_request(string job, string line)
    {
        using var server = new CannedHttpServer(200, Samples.Read("job_running.json"));
        foreach (string verb in new[] { "status", "cancel" })
            AssertFault(Run(verb, server.Url, [job]), 64, $"hpcrun: {line}");
        Assert.Equal(0, server.Requests);
    }
}
