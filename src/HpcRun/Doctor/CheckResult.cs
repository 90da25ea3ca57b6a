using System.Text.Json.Serialization;

namespace HpcRun.Doctor;

[JsonConverter(typeof(JsonStringEnumConverter<CheckStatus>))]
public enum CheckStatus { OK, WARN, FAIL }

/// <summary>One line of the doctor's report: what was checked, what was found, and how to fix it.</summary>
public sealed record CheckResult(string Name, CheckStatus Status, string Detail, string? Fix = null)
{
    /// <summary>For a failure that every launch stops at with a status of its own rather than doctor's (an image for
    /// another CPU: 82), that status, which doctor then ends with too.</summary>
    [JsonIgnore]
    public ExitCode? Exit { get; init; }

    public static CheckResult Ok(string name, string detail) => new(name, CheckStatus.OK, detail);
    public static CheckResult Warn(string name, string detail, string fix) => new(name, CheckStatus.WARN, detail, fix);
    public static CheckResult Fail(string name, string detail, string fix, ExitCode? exit = null) =>
        new(name, CheckStatus.FAIL, detail, fix) { Exit = exit };

    public override string ToString() => $"{Status,-4}  {Name}: {Detail}{(Fix is null ? "" : $" (fix: {Fix})")}";
}

/// <summary>The --json report.</summary>
public sealed record DoctorReport(bool Ok, IReadOnlyList<CheckResult> Checks);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DoctorReport))]
internal sealed partial class DoctorJson : JsonSerializerContext;
