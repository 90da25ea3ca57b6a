using HpcRun.TestSupport;

namespace HpcRun.Slurm.Tests;

/// <summary>Faults between hpcrun and the server: each one line and its own exit status; only transient ones retried.</summary>
public class TransportFaultTests
{
    private static CommandResult Jobs(CannedHttpServer server, params string[] more) =>
        Hpcrun.Run(["jobs", "--url", server.Url, "--api-version", "v0.0.38", .. more], new Dictionary<string, string> { ["SLURM_JWT"] = "not-checked-here" });

    [Fact]
    public void Service_unavailable_is_retried_a_bounded_number_of_times()
    {
        using var server = new CannedHttpServer(503, "busy");
        CommandResult run = Jobs(server);
        Assert.Equal(95, run.ExitCode);
        Assert.Equal("hpcrun: could not list jobs: slurmrestd answered HTTP 503: busy\n", run.Stderr);
        Assert.Equal(4, server.Requests); // 1 try + 3 retries
    }

    [Fact]
    public void Client_errors_are_never_retried()
    {
        using var server = new CannedHttpServer(400, "Unable to parse query.");
        CommandResult run = Jobs(server);
        Assert.Equal(95, run.ExitCode);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public void Unauthorized_is_its_own_fault()
    {
        using var server = new CannedHttpServer(401, "Authentication failure");
        CommandResult run = Jobs(server);
        Assert.Equal(92, run.ExitCode);
        Assert.Contains("refused authentication (HTTP 401)", run.Stderr);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public void Malformed_json_is_a_bad_response()
    {
        using var server = new CannedHttpServer(200, """{"meta": {"plugin": """);
        CommandResult run = Jobs(server);
        Assert.Equal(95, run.ExitCode);
        Assert.StartsWith("hpcrun: could not list jobs: slurmrestd sent an answer hpcrun cannot read", run.Stderr);
        Assert.Single(run.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void Silence_is_a_timeout_and_not_retried()
    {
        using var server = new CannedHttpServer(200, null);
        CommandResult run = Jobs(server, "--timeout", "0.5");
        Assert.Equal(96, run.ExitCode);
        Assert.Contains("did not answer: no answer within 0.5 s", run.Stderr);
        Assert.Equal(1, server.Requests);
    }
}
