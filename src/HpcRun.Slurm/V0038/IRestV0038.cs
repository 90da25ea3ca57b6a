using Refit;

namespace HpcRun.Slurm.V0038;

/// <summary>
/// The slurmrestd v0.0.38 endpoints hpcrun uses; Refit generates the implementation at build time.
/// Bodies are buffered: slurmrestd cannot read a chunked request and answers with a broken 400.
/// </summary>
internal interface IRestV0038
{
    [Get("/slurm/v0.0.38/ping")]
    Task<IApiResponse<PingResponse>> Ping(CancellationToken cancel);

    [Post("/slurm/v0.0.38/job/submit")]
    Task<IApiResponse<SubmitResponse>> Submit([Body(buffered: true)] SubmitRequest request, CancellationToken cancel);

    [Get("/slurm/v0.0.38/job/{jobId}")]
    Task<IApiResponse<JobsResponse>> GetJob(long jobId, CancellationToken cancel);

    [Get("/slurm/v0.0.38/jobs")]
    Task<IApiResponse<JobsResponse>> GetJobs(CancellationToken cancel);

    [Delete("/slurm/v0.0.38/job/{jobId}")]
    Task<IApiResponse<Response>> Cancel(long jobId, CancellationToken cancel);
}
