using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using HpcRun.Slurm.Http;
using Refit;

namespace HpcRun.Slurm.V0038;

/// <summary>The adapter between <see cref="ISlurmApi"/> and slurmrestd's openapi/v0.0.38 (Slurm 22.05).</summary>
/// <param name="redact">Hides the token in what slurmrestd says (its errors, a line of its answer), which goes into
/// a fault's line or a submit's warning.</param>
/// <param name="document">Tells why slurmrestd answered a path with its own 404: a version it lacks, or a URL whose
/// path is not slurmrestd's.</param>
internal sealed class SlurmV0038(IRestV0038 rest, Uri server, Func<string, string>? redact = null,
    OpenApiDocument? document = null) : ISlurmApi
{
    public const string ApiVersion = "v0.0.38";

    // Slurm 22.05 answers a request whose token slurmctld refuses with HTTP 500 and these codes:
    // -1 "Unspecified error" on reads, 5005 "Zero Bytes were transmitted or received" on submit.
    private static readonly HashSet<int> TokenRefusedCodes = [-1, 5005];

    public string Version => ApiVersion;

    public static ISlurmApi Create(HttpClient http, OpenApiDocument document, Func<string, string> redact) =>
        new SlurmV0038(RestService.ForGenerated<IRestV0038>(http, RefitSettings.ForJsonContext(JsonV0038.Default)),
            http.BaseAddress!, redact, document);

    private string Said(string text) => redact?.Invoke(text) ?? text;

    public async Task<SubmittedJob> SubmitAsync(JobSubmission job, CancellationToken cancel = default)
    {
        var request = new SubmitRequest(job.Script, new JobProperties
        {
            Name = job.Name,
            Environment = new Dictionary<string, string>(job.Environment),
            CurrentWorkingDirectory = job.WorkingDirectory,
            StandardOutput = job.StandardOutput,
            Partition = job.Partition,
            Nodes = job.Nodes,
            Tasks = job.Tasks,
            TimeLimit = job.TimeLimitMinutes,
        });
        // An answer with errors and a job id is a job Slurm queued all the same (HTTP 500 in Slurm 22.05).
        SubmitResponse answer = await Call(() => rest.Submit(request, cancel), "submit the job", cancel,
            queued: a => a.JobId is not null).ConfigureAwait(false);
        long id = answer.JobId
            ?? throw new SlurmApiException(SlurmFault.BadResponse, "slurmrestd accepted the job but sent no job_id");
        return new SubmittedJob(id, answer.Errors is { Count: > 0 } errors
            ? Said(string.Join("; ", errors.Select(Describe).Distinct())) : null);
    }

    public async Task<JobInfo> GetJobAsync(long jobId, CancellationToken cancel = default)
    {
        JobsResponse answer = await Call(() => rest.GetJob(jobId, cancel), $"show job {jobId}", cancel, job: jobId)
            .ConfigureAwait(false);
        Job job = answer.Jobs?.FirstOrDefault(j => j.JobId == jobId) ?? throw UnknownJob(jobId);
        return ToJobInfo(job);
    }

    public async Task<IReadOnlyList<JobInfo>> GetJobsAsync(CancellationToken cancel = default)
    {
        JobsResponse answer = await Call(() => rest.GetJobs(cancel), "list jobs", cancel).ConfigureAwait(false);
        return [.. (answer.Jobs ?? []).Select(ToJobInfo)];
    }

    public Task CancelAsync(long jobId, CancellationToken cancel = default) =>
        Call(() => rest.Cancel(jobId, cancel), $"cancel job {jobId}", cancel, job: jobId);

    internal static JobInfo ToJobInfo(Job job) => new()
    {
        Id = job.JobId,
        State = job.JobState ?? "UNKNOWN",
        Name = job.Name,
        Reason = job.StateReason is null or "None" ? null : job.StateReason,
        User = job.UserName,
        Partition = job.Partition,
        Nodes = string.IsNullOrEmpty(job.Nodes) ? null : job.Nodes,
        ExitStatus = job.ExitCode is int code && SlurmValues.IsFinalState(job.JobState)
            ? SlurmValues.ShellStatus(code) : null,
        StandardOutput = SlurmValues.ExpandOutputPattern(
            string.IsNullOrEmpty(job.StandardOutput) ? "slurm-%j.out" : job.StandardOutput,
            job.JobId, job.Name, job.UserName, job.CurrentWorkingDirectory),
        SubmitTime = SlurmValues.FromUnixTime(job.SubmitTime),
        StartTime = SlurmValues.FromUnixTime(job.StartTime),
        EndTime = SlurmValues.FromUnixTime(job.EndTime),
        TimeLimitMinutes = job.TimeLimit,
        // A task of an array has an id of its own and its array's (array_task_id null for any other job).
        ArrayTask = job.ArrayTaskId is { } task && job.ArrayJobId is { } array and not 0 ? $"{array}_{task}" : null,
    };

    /// <summary>Sends a request and returns its answer, or throws the one-line fault
    /// that describes what went wrong.</summary>
    /// <param name="queued">Whether an answer with errors still did what was asked (a job id in it).</param>
    /// <param name="job">The job the request names, if any: Slurm's "Invalid job id" is then a job it does not
    /// know.</param>
    private async Task<T> Call<T>(Func<Task<IApiResponse<T>>> send, string what, CancellationToken cancel,
        Func<T, bool>? queued = null, long? job = null) where T : Response
    {
        using IApiResponse<T> response = await TransportFaults.Guard(server, send).ConfigureAwait(false);
        if (response.IsSuccessStatusCode && response.Error is null && response.Content is { } answer)
        {
            // JSON, but not slurmrestd's, which always says which plugin answered: another service's API, whose
            // 200 would otherwise pass for an empty job list or a cancelled job.
            if (answer.Meta?.Plugin?.Type?.StartsWith("openapi/", StringComparison.Ordinal) != true)
                throw ForeignAnswers.NotSlurmrestd(server, Request(response.RequestMessage),
                    $"JSON without slurmrestd's \"meta\" (HTTP {(int)response.StatusCode})", what);
            return answer.Errors is { Count: > 0 } errors && queued?.Invoke(answer) != true
                ? throw Refused(what, errors, job) : answer;
        }
        // Refit hands transport failures back as errors
        if (!response.IsReceived && response.Error?.InnerException is { } inner)
            throw TransportFaults.Translate(server, inner) ?? inner;
        string body = (response.Error as ApiException)?.Content ?? "";
        if (queued is not null && Parse<T>(body) is { } taken && queued(taken)) return taken;
        if (document is not null && ForeignAnswers.IsUnknownPath((int)(response.StatusCode ?? 0), body))
            throw await document.NotServedAsync(ApiVersion, Request(response.Error as ApiException, what), what, cancel)
                .ConfigureAwait(false);
        throw Fault(response.StatusCode ?? 0, body, response.Error, what, job);
    }

    private static string Request(HttpRequestMessage? request) =>
        request is null ? "the request" : $"{request.Method} {request.RequestUri?.AbsolutePath}";

    /// <summary>The request an error answered ("GET /slurm/v0.0.38/jobs"), else <paramref name="what"/>.</summary>
    private static string Request(ApiException? error, string what) =>
        error is null ? what : $"{error.HttpMethod} {error.Uri?.AbsolutePath}";

    private static T? Parse<T>(string body) where T : Response
    {
        try { return JsonSerializer.Deserialize(body, (JsonTypeInfo<T>)JsonV0038.Default.GetTypeInfo(typeof(T))!); }
        catch (JsonException) { return null; }
    }

    /// <summary>The fault an unsuccessful answer stands for: HTTP status, body, and what Refit made of it.</summary>
    internal SlurmApiException Fault(HttpStatusCode status, string body, Exception? error, string what,
        long? job = null)
    {
        var api = error as ApiException;
        if (ForeignAnswers.Describe((int)status, api?.ContentHeaders?.ContentType?.MediaType, body,
                api?.Headers.WwwAuthenticate.FirstOrDefault()?.Scheme) is { } foreign)
            return ForeignAnswers.NotSlurmrestd(server, Request(api, what), Said(foreign), what);
        if (status == HttpStatusCode.Unauthorized)
            return new(SlurmFault.Unauthorized,
                $"slurmrestd at {server} refused authentication (HTTP 401): check the user name and the token");
        if ((int)status is >= 200 and < 300)
        {
            // What is wrong with it, not .NET's text of it: the detail is in --debug's log (SlurmVerbs).
            string why = error?.InnerException switch { null => " (empty)", JsonException => " (bad JSON)", _ => "" };
            return new(SlurmFault.BadResponse,
                $"could not {what}: slurmrestd sent an answer hpcrun cannot read{why}", error);
        }
        if (ParseErrors(body) is { Count: > 0 } errors)
        {
            if (status == HttpStatusCode.InternalServerError
                && errors.All(e => e.Number is int n && TokenRefusedCodes.Contains(n)))
                return new(SlurmFault.TokenRejected,
                    $"could not {what}: token rejected by Slurm (expired, or not issued for this user)");
            return Refused(what, errors, job);
        }
        // A proxy's page (502-504) is no line to show: its markup says nothing to the user.
        string firstLine = ForeignAnswers.IsHtml(api?.ContentHeaders?.ContentType?.MediaType, body) ? "an HTML page"
            : body.Split('\n', 2)[0].Trim();
        return new(SlurmFault.BadResponse, $"could not {what}: slurmrestd answered HTTP {(int)status}"
            + (firstLine.Length > 0 ? ": " + Said(firstLine) : ""));
    }

    private SlurmApiException Refused(string what, List<Error> errors, long? job = null) =>
        job is { } id && errors.All(e => e.Number == InvalidJobId) ? UnknownJob(id)
            : new(SlurmFault.SlurmError,
                $"could not {what}: {Said(string.Join("; ", errors.Select(Describe).Distinct()))}");

    // ESLURM_INVALID_JOB_ID: a job id slurmctld has no record of (GET and DELETE of /job/{id} say so).
    private const int InvalidJobId = 2017;

    // scancel says nothing of such a job (status 0); hpcrun says which, as the job may be a typo as well as gone.
    private static SlurmApiException UnknownJob(long id) => new(SlurmFault.UnknownJob,
        $"Slurm knows no job {id} (never submitted, or it ended long enough ago to be forgotten)");

    // A description that only adds where Slurm failed ("unable to kill JobId=5 with signal 9: Access/permission
    // denied") is left out: the message says it all.
    private static string Describe(Error e) =>
        e.Description is { Length: > 0 } d && d != e.Message && !d.EndsWith(": " + e.Message, StringComparison.Ordinal)
            ? $"{e.Message} ({d})" : e.Message ?? $"error {e.Number}";

    private static List<Error>? ParseErrors(string body)
    {
        try { return JsonSerializer.Deserialize(body, JsonV0038.Default.Response)?.Errors; }
        catch (JsonException) { return null; }
    }
}
