namespace HpcRun.Slurm;

/// <summary>
/// What hpcrun asks of slurmrestd, in version-neutral terms. Each REST API version
/// (v0.0.38 for Slurm 22.05, ...) is one adapter behind this interface.
/// </summary>
public interface ISlurmApi
{
    /// <summary>The REST API version this adapter speaks, e.g. "v0.0.38".</summary>
    string Version { get; }
    Task<long> SubmitAsync(JobSubmission job, CancellationToken cancel = default);
    Task<JobInfo> GetJobAsync(long jobId, CancellationToken cancel = default);
    Task<IReadOnlyList<JobInfo>> GetJobsAsync(CancellationToken cancel = default);
    Task CancelAsync(long jobId, CancellationToken cancel = default);
}
