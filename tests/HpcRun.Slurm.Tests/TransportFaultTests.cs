using HpcRun.TestSupport;
using static HpcRun.Slurm.Tests.CannedRuns;

namespace HpcRun.Slurm.Tests;

/// <summary>Faults between hpcrun and the server: each one line and its own exit status; only transient ones
/// retried.</summary>
public class TransportFaultTests
{
    /// <summary>A server that drips an empty job list, a byte every <paramref name="every"/>.</summary>
    private static CannedHttpServer Dripping(TimeSpan every, bool head = false) =>
        new(new CannedHttpServer.Answer(200, """{"jobs":[]}""") { DripEvery = every, DripHead = head });

    [Fact]
    public void Service_unavailable_is_retried_a_bounded_number_of_times()
    {
        using var server = new CannedHttpServer(503, "busy");
        CommandResult run = Jobs(server.Url);
        Assert.Equal(95, run.ExitCode);
        Assert.Equal("hpcrun: could not list jobs: slurmrestd answered HTTP 503: busy\n", run.Stderr);
        Assert.Equal(4, server.Requests); // 1 try + 3 retries
    }

    [Theory]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)] // the proxy gave up waiting: slurmrestd may have queued the job
    public void A_submit_a_proxy_failed_is_not_sent_again(int status)
    {
        using var server = new CannedHttpServer(status, "proxy trouble");
        CommandResult run = Run("submit", server.Url, [TestImages.BusyboxTree, "--", "true"]);
        AssertFault(run, 95, $"hpcrun: could not submit the job: slurmrestd answered HTTP {status}: proxy trouble");
        Assert.Equal(["POST"], server.Received.Select(r => r.Method));
    }

    [Fact]
    public void A_host_name_that_does_not_resolve_is_not_retried()
    {
        const string url = "http://no-such-host.invalid:6820"; // RFC 6761: .invalid never resolves
        CommandResult run = Jobs(url, "--debug");
        Assert.True(run.ExitCode == 91, run.ToString());
        Assert.Contains($"cannot reach slurmrestd at {url}/: host not found\n", run.Stderr);
        Assert.Equal(1, run.Stderr.Split('\n').Count(l => l.Contains($"GET {url}/slurm/v0.0.38/jobs")));
    }

    [Fact]
    public void Client_errors_are_never_retried()
    {
        using var server = new CannedHttpServer(400, "Unable to parse query.");
        CommandResult run = Jobs(server.Url);
        Assert.Equal(95, run.ExitCode);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public void Unauthorized_is_its_own_fault()
    {
        using var server = new CannedHttpServer(401, "Authentication failure");
        CommandResult run = Jobs(server.Url);
        Assert.Equal(92, run.ExitCode);
        Assert.Contains("refused authentication (HTTP 401)", run.Stderr);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public void Malformed_json_is_a_bad_response()
    {
        using var server = new CannedHttpServer(200, """{"meta": {"plugin": """);
        CommandResult run = Jobs(server.Url);
        AssertFault(run, 95, "hpcrun: could not list jobs: slurmrestd sent an answer hpcrun cannot read");
    }

    [Fact]
    public void Silence_is_a_timeout_and_not_retried()
    {
        using var server = new CannedHttpServer(200, null);
        CommandResult run = Jobs(server.Url, "--timeout", "0.5");
        AssertFault(run, 96,
            $"hpcrun: slurmrestd at {server.Url}/ did not answer in time: no complete answer within 0.5 s");
        Assert.Equal(1, server.Requests);
    }

    // An empty job list, dripped: 11 bytes 300 ms apart take 3.3 s, so a 1 s timeout must end the
    // exchange first; were the body read without the timeout, hpcrun would print the list and exit 0.
    [Theory]
    [InlineData(false)] // headers at once, then the body a byte at a time (issue 12, item 11)
    [InlineData(true)]  // the status line and headers dripped too
    public void An_answer_dripped_past_the_timeout_is_a_timeout(bool dripHead)
    {
        var every = TimeSpan.FromMilliseconds(dripHead ? 30 : 300); // the head is about 100 bytes
        using CannedHttpServer server = Dripping(every, dripHead);
        CommandResult run = Jobs(server.Url, "--timeout", "1");
        AssertFault(run, 96,
            $"hpcrun: slurmrestd at {server.Url}/ did not answer in time: no complete answer within 1 s");
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public void The_timeout_comes_from_slurm_restd_timeout_too()
    {
        using CannedHttpServer server = Dripping(TimeSpan.FromMilliseconds(300));
        CommandResult run = Run("jobs", server.Url, [], With("SLURM_RESTD_TIMEOUT", "1"));
        AssertFault(run, 96,
            $"hpcrun: slurmrestd at {server.Url}/ did not answer in time: no complete answer within 1 s");
    }
}
