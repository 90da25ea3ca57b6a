using System.Text.Json.Serialization;

// The shapes slurmrestd 22.05 serves under openapi/v0.0.38, as far as hpcrun uses them (the
// served document, with recorded answers, is in the tests' Samples folder). Names are snake_case.
namespace HpcRun.Slurm.V0038;

internal sealed record Meta(MetaPlugin? Plugin, [property: JsonPropertyName("Slurm")] MetaSlurm? Slurm);
internal sealed record MetaPlugin(string? Type, string? Name);
internal sealed record MetaSlurm(MetaVersion? Version, string? Release);
internal sealed record MetaVersion(int Major, int Minor, int Micro);

/// <summary>One entry of Slurm's error list. 22.05 names the number error_number or
/// error_code depending on the code path.</summary>
internal sealed record Error
{
    [JsonPropertyName("error")] public string? Message { get; init; }
    public int? ErrorNumber { get; init; }
    public int? ErrorCode { get; init; }
    public string? Description { get; init; }
    public string? Source { get; init; }
    [JsonIgnore] public int? Number => ErrorNumber ?? ErrorCode;
}

/// <summary>Every answer carries meta and errors; error answers carry nothing else.</summary>
internal record Response
{
    public Meta? Meta { get; init; }
    public List<Error>? Errors { get; init; }
}

internal sealed record Ping(string? Hostname, [property: JsonPropertyName("ping")] string? State, int? Status,
    string? Mode);
internal sealed record PingResponse : Response { public List<Ping>? Pings { get; init; } }

internal sealed record JobProperties
{
    public string? Name { get; init; }
    public required Dictionary<string, string> Environment { get; init; }
    public required string CurrentWorkingDirectory { get; init; }
    public string? StandardOutput { get; init; }
    public string? Partition { get; init; }
    /// <summary>The served document says an array [min, max], but 22.05 takes
    /// (and the samples use) one number.</summary>
    public int? Nodes { get; init; }
    public int? Tasks { get; init; }
    public int? TimeLimit { get; init; }
}

internal sealed record SubmitRequest(string Script, JobProperties Job);

internal sealed record SubmitResponse : Response
{
    public long? JobId { get; init; }
    public string? StepId { get; init; }
    public string? JobSubmitUserMsg { get; init; }
}

internal sealed record Job
{
    public long JobId { get; init; }
    public string? Name { get; init; }
    public string? JobState { get; init; }
    public string? StateReason { get; init; }
    public string? UserName { get; init; }
    public string? Partition { get; init; }
    public string? Nodes { get; init; }
    public int? ExitCode { get; init; }
    public string? StandardOutput { get; init; }
    public string? CurrentWorkingDirectory { get; init; }
    public long? SubmitTime { get; init; }
    public long? StartTime { get; init; }
    public long? EndTime { get; init; }
    public long? TimeLimit { get; init; }
    public long? ArrayJobId { get; init; }
    public long? ArrayTaskId { get; init; }
}

internal sealed record JobsResponse : Response { public List<Job>? Jobs { get; init; } }

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Response))]
[JsonSerializable(typeof(PingResponse))]
[JsonSerializable(typeof(SubmitRequest))]
[JsonSerializable(typeof(SubmitResponse))]
[JsonSerializable(typeof(JobsResponse))]
internal sealed partial class JsonV0038 : JsonSerializerContext;
