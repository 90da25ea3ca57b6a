using HpcRun.TestSupport;

namespace HpcRun.Slurm.Tests;

/// <summary>The published hpcrun, as the test user, against a <see cref="CannedHttpServer"/>; and what a fault
/// must look like.</summary>
internal static class CannedRuns
{
    /// <summary>`hpcrun VERB --url URL --api-version v0.0.38 MORE...`: no version probe, the first request is the
    /// verb's own. SLURM_JWT is set unless <paramref name="env"/> sets it.</summary>
    public static CommandResult Run(string verb, string url, IEnumerable<string> more,
        IDictionary<string, string>? env = null, string? cwd = null)
    {
        var environment = new Dictionary<string, string> { ["SLURM_JWT"] = "not-checked-here" };
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) environment[k] = v;
        return Hpcrun.Run([verb, "--url", url, "--api-version", "v0.0.38", .. more], environment, cwd);
    }

    public static CommandResult Jobs(string url, params string[] more) => Run("jobs", url, more);

    /// <summary>One variable for <see cref="Run"/>'s environment.</summary>
    public static Dictionary<string, string> With(string name, string value) => new() { [name] = value };

    /// <summary>hpcrun's own failure: <paramref name="status"/>, nothing on stdout, and one line on stderr that
    /// starts with <paramref name="start"/>.</summary>
    public static void AssertFault(CommandResult run, int status, string start)
    {
        Assert.True(status == run.ExitCode, run.ToString());
        Assert.Equal("", run.Stdout);
        string line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(start, line);
    }
}
