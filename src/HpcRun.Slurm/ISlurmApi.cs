namespace HpcRun.Slurm;

/// <summary>
/// What hpcrun asks of slurmrestd, in version-neutral terms. Each REST API version
/// (v0.0.38 for Slurm 22.05, ...) is one adapter behind this interface.
/// </summary>
public interface ISlurmApi
{
    /// <summary>The REST API version this adapter speaks, e.g. "v0.0.38".</summary>
    string Version { get; }
    /// <summary>Submits <paramref name="job"/>: the id Slurm gave it, and what Slurm said while it queued it anyway
    /// (sbatch's "error: ..." lines for a job it still took, e.g. "Requested partition configuration not available
    /// now"), or null.</summary>
    Task<SubmittedJob> SubmitAsync(JobSubmission job, CancellationToken cancel = default);
    Task<JobInfo> GetJobAsync(long jobId, CancellationToken cancel = default);
    Task<IReadOnlyList<JobInfo>> GetJobsAsync(CancellationToken cancel = default);
    Task CancelAsync(long jobId, CancellationToken cancel = default);
}

/// <summary>A job Slurm took: its <paramref name="Id"/>, and the <paramref name="Warning"/> it gave with it, or
/// null.</summary>
public sealed record SubmittedJob(long Id, string? Warning);
