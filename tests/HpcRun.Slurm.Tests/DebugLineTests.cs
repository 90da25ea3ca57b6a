using System.Text.RegularExpressions;
using HpcRun.TestSupport;
using static HpcRun.Slurm.Tests.CannedRuns;

namespace HpcRun.Slurm.Tests;

/// <summary>--debug's lines for a Slurm verb that failed say in words what was tried and why it failed: never a
/// fault's or an exception's .NET name ("NotConfigured", "TokenRejected", "HttpRequestException"), never an empty
/// detail.</summary>
public class DebugLineTests
{
    /// <summary>No token: the settings were being read, and the line says which setting is missing.</summary>
    [Fact]
    public void Settings_that_cannot_be_read_are_said_in_words()
    {
        CommandResult run = Hpcrun.Run(["--debug", "jobs", "--url", "http://127.0.0.1:9"],
            With("SLURM_RESTD_TOKEN_FILE", "/nonexistent/token"));
        Assert.True(run.ExitCode == 90, run.ToString());
        Assert.EndsWith(" DBG reading the slurmrestd settings (options, environment, settings file) failed (status " +
            "90): no slurmrestd token: set SLURM_JWT or a token file (--token-file, SLURM_RESTD_TOKEN_FILE); " +
            "/nonexistent/token: no such file", Assert.Single(Debug(run), l => l.Contains("settings")));
        AssertNoDotnetName(run);
    }

    /// <summary>Slurm 22.05's answer to a bad token (HTTP 500 and its error list): the server tried, as whom, and
    /// that Slurm rejected the token.</summary>
    [Fact]
    public void A_rejected_token_says_where_and_as_whom()
    {
        using var server = new CannedHttpServer(500, Samples.Read("error_invalid_token.json"));
        CommandResult run = Run("jobs", server.Url, ["--debug", "--user", "alice"]);
        Assert.True(run.ExitCode == 93, run.ToString());
        Assert.EndsWith($" DBG talking to slurmrestd at {server.Url}/ as alice failed (status 93): could not list " +
            "jobs: token rejected by Slurm (expired, or not issued for this user)",
            Assert.Single(Debug(run), l => l.Contains("failed")));
        AssertNoDotnetName(run);
    }

    /// <summary>Nothing listens: each attempt and the failure say what the connection said.</summary>
    [Fact]
    public void A_server_that_is_not_there_is_said_per_attempt()
    {
        CommandResult run = Jobs("http://127.0.0.1:9", "--debug");
        Assert.True(run.ExitCode == 91, run.ToString());
        Assert.Equal(4, Debug(run).Count(l =>
            Regex.IsMatch(l, @"GET http://127\.0\.0\.1:9/slurm/v0\.0\.38/jobs -> no answer after \d+ ms: \S")));
        Assert.Contains(Debug(run), l => l.Contains("failed (status 91): cannot reach slurmrestd at " +
            "http://127.0.0.1:9/: connection refused") && l.Contains("; underneath: "));
        AssertNoDotnetName(run);
    }

    private static IEnumerable<string> Debug(CommandResult run) =>
        run.Stderr.Split('\n').Where(l => l.Contains(" DBG "));

    /// <summary>No word in PascalCase (an enum member's or a type's name), and no debug line that ends at its
    /// colon.</summary>
    private static void AssertNoDotnetName(CommandResult run)
    {
        Assert.DoesNotMatch(@"\b[A-Z][a-z]+[A-Z][A-Za-z]*\b", run.Stderr);
        Assert.DoesNotContain(Debug(run), l => l.TrimEnd().EndsWith(':'));
    }
}
