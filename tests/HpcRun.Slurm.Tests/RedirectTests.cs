using HpcRun.TestSupport;
using static HpcRun.Slurm.Tests.CannedRuns;

namespace HpcRun.Slurm.Tests;

/// <summary>
/// A redirect is never followed (issue 12, item 10): followed, it would carry the token to the
/// Location's server, and a 307/308 would send a submit's POST again. Every redirect status, to
/// another port, scheme or host name, or to the same origin, is status 95 after one request.
/// </summary>
public sealed class RedirectTests : IDisposable
{
    private const string JobsPath = "/slurm/v0.0.38/jobs";

    /// <summary>Where a followed redirect to another origin would land: it must see nothing.</summary>
    private readonly CannedHttpServer elsewhere = new(200, """{"jobs":[]}""");

    public void Dispose() => elsewhere.Dispose();

    private string Target(string kind) => kind switch
    {
        "other-port" => $"{elsewhere.Url}{JobsPath}",
        "other-scheme" => $"https://127.0.0.1:{elsewhere.Port}{JobsPath}",
        "other-host" => $"http://localhost:{elsewhere.Port}{JobsPath}",
        "same-origin" => "/slurm/v0.0.38/jobs/", // relative: the server that answered
        _ => throw new ArgumentException(kind),
    };

    private static CannedHttpServer Redirecting(int status, string location) =>
        new(new CannedHttpServer.Answer(status, "") { Headers = With("Location", location) });

    [Theory]
    [InlineData(301, "other-port")]
    [InlineData(302, "other-port")]
    [InlineData(303, "other-port")]
    [InlineData(307, "other-port")]
    [InlineData(308, "other-port")]
    [InlineData(307, "other-scheme")]
    [InlineData(307, "other-host")]
    [InlineData(302, "same-origin")]
    public void A_redirect_is_refused_and_the_token_goes_nowhere_else(int status, string kind)
    {
        using CannedHttpServer server = Redirecting(status, Target(kind));
        CommandResult run = Jobs(server.Url);
        AssertFault(run, 95, $"hpcrun: slurmrestd at {server.Url}/ redirected GET {JobsPath} to ");
        Assert.Contains($"(HTTP {status}): hpcrun follows no redirect", run.Stderr);
        Assert.Equal((1, 0), (server.Requests, elsewhere.Requests));
        Assert.Equal("not-checked-here", server.Received.Single().Header("X-SLURM-USER-TOKEN"));
    }

    [Theory]
    [InlineData(307, "other-port")]
    [InlineData(308, "same-origin")]
    public void A_redirected_submit_is_posted_once(int status, string kind)
    {
        using CannedHttpServer server = Redirecting(status, Target(kind));
        CommandResult run = Run("submit", server.Url, [TestImages.BusyboxTree, "--", "true"]);
        AssertFault(run, 95, $"hpcrun: slurmrestd at {server.Url}/ redirected POST /slurm/v0.0.38/job/submit to ");
        Assert.Equal(["POST"], server.Received.Select(r => r.Method));
        Assert.Equal(0, elsewhere.Requests);
    }

    [Fact]
    public void A_redirect_of_the_version_probe_is_refused_too()
    {
        using CannedHttpServer server = Redirecting(307, Target("other-port"));
        CommandResult run = Hpcrun.Run(["jobs", "--url", server.Url], With("SLURM_JWT", "not-checked-here"));
        AssertFault(run, 95,
            $"hpcrun: slurmrestd at {server.Url}/ redirected GET /openapi/v3 to {elsewhere.Url}{JobsPath} (HTTP 307)");
        Assert.Equal((1, 0), (server.Requests, elsewhere.Requests));
    }
}
