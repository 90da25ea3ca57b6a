namespace HpcRun.Slurm;

/// <summary>A batch job to submit, independent of the REST API version.</summary>
public sealed record JobSubmission
{
    public required string Script { get; init; }
    public required string WorkingDirectory { get; init; }
    public required IReadOnlyDictionary<string, string> Environment { get; init; }
    public string? Name { get; init; }
    public int? Nodes { get; init; }
    public int? Tasks { get; init; }
    public int? TimeLimitMinutes { get; init; }
    public string? Partition { get; init; }
    /// <summary>Output file (Slurm patterns such as %j allowed); Slurm's default is
    /// slurm-%j.out in the working directory.</summary>
    public string? StandardOutput { get; init; }
}

/// <summary>A job as slurmrestd reports it, independent of the REST API version.</summary>
public sealed record JobInfo
{
    public required long Id { get; init; }
    public required string State { get; init; }
    public string? Name { get; init; }
    public string? Reason { get; init; }
    public string? User { get; init; }
    public string? Partition { get; init; }
    public string? Nodes { get; init; }
    /// <summary>The batch script's status as a shell reports it: the exit code, or 128+N after signal N.</summary>
    public int? ExitStatus { get; init; }
    /// <summary>Where the job's output goes, with Slurm's %j, %x, %u patterns filled in.</summary>
    public string? StandardOutput { get; init; }
    public DateTimeOffset? SubmitTime { get; init; }
    public DateTimeOffset? StartTime { get; init; }
    public DateTimeOffset? EndTime { get; init; }
    public long? TimeLimitMinutes { get; init; }
    /// <summary>For a task of a job array, Slurm's name of it, ARRAY_TASK (`5_1`); null for any other job.</summary>
    public string? ArrayTask { get; init; }

    /// <summary>Slurm's states that a job never leaves.</summary>
    public bool IsFinished => SlurmValues.IsFinalState(State);
}

/// <summary>Helpers that turn Slurm's raw job fields into <see cref="JobInfo"/>
/// values, whatever the API version.</summary>
public static class SlurmValues
{
    public static bool IsFinalState(string? state) =>
        state is "COMPLETED" or "FAILED" or "CANCELLED" or "TIMEOUT" or "NODE_FAIL"
        or "PREEMPTED" or "BOOT_FAIL" or "DEADLINE" or "OUT_OF_MEMORY";

    /// <summary>Slurm stores a job's exit code as a wait(2) status: exit code in
    /// bits 8-15, signal in bits 0-6.</summary>
    public static int ShellStatus(int waitStatus) =>
        (waitStatus & 0x7f) is var signal and not 0 ? 128 + signal : (waitStatus >> 8) & 0xff;

    /// <summary>Fills in the filename patterns Slurm documents for --output that a client can know.</summary>
    public static string ExpandOutputPattern(string pattern, long jobId, string? name, string? user,
        string? workingDirectory)
    {
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] != '%' || i + 1 == pattern.Length) { text.Append(pattern[i]); continue; }
            char code = pattern[++i];
            text.Append(code switch
            {
                'j' or 'A' => jobId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                'x' => name ?? "",
                'u' => user ?? "",
                '%' => "%",
                _ => "%" + code,
            });
        }
        string path = text.ToString();
        return path.StartsWith('/') || workingDirectory is null ? path : Path.Combine(workingDirectory, path);
    }

    public static DateTimeOffset? FromUnixTime(long? seconds) =>
        seconds is > 0 ? DateTimeOffset.FromUnixTimeSeconds(seconds.Value) : null;
}

/// <summary>Source-generated JSON for `hpcrun status --json` (version-neutral, camelCase).</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true,
    PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(JobInfo))]
public sealed partial class JobInfoJson : System.Text.Json.Serialization.JsonSerializerContext;
