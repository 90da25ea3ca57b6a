using System.Text.Json.Serialization;

namespace HpcRun.Tools.Verbs.Bench;

/// <summary>What `hpcrun bench` found (its --json output): the rows it could compare, the benchmarks it
/// skipped and why, and on what and when it ran.</summary>
internal sealed record BenchReport(
    string Image, string Hpcrun, string? MpiLauncher, int Rounds, Machine Machine, DateTimeOffset Date,
    IReadOnlyList<Comparison> Rows, IReadOnlyList<Skipped> Skipped);

internal sealed record Skipped(string Benchmark, string Reason);

/// <summary>The node the bench ran on: host name, CPUs this process may use, kernel release, CPU model.</summary>
internal sealed record Machine(string Host, int Cpus, string Kernel, string Cpu)
{
    /// <summary>This node, from /proc (sys/kernel/osrelease; cpuinfo's first "model name", as lscpu shows
    /// it).</summary>
    public static Machine This() => new(Environment.MachineName, Environment.ProcessorCount,
        ReadOrUnknown("/proc/sys/kernel/osrelease").Trim(),
        ReadOrUnknown("/proc/cpuinfo").Split('\n')
            .FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
        ?? "unknown");

    private static string ReadOrUnknown(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "unknown"; }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class BenchReportJson : JsonSerializerContext;
