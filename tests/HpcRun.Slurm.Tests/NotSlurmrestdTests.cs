using HpcRun.TestSupport;
using static HpcRun.Slurm.Tests.CannedRuns;

namespace HpcRun.Slurm.Tests;

/// <summary>
/// A URL that leads to another HTTP server than slurmrestd: its answers (a 404 of its own, an HTML page, a 401 that
/// asks for another authentication, JSON without slurmrestd's "meta") are said to come from something that does not
/// look like slurmrestd (95), not advice about the token, the API version or the job. slurmrestd's own 404 and 401
/// (text/plain "Unable find requested URL...", "Authentication failure") keep their advice: the URL or the API
/// version, as its OpenAPI document tells, and the token.
/// </summary>
public class NotSlurmrestdTests
{
    private const string Html = "<!DOCTYPE html>\n<html><head><title>Welcome</title></head><body>hi</body></html>\n";

    private static CannedHttpServer.Answer Answer(int status, string body, params (string, string)[] headers) =>
        new(status, body) { Headers = headers.ToDictionary(h => h.Item1, h => h.Item2) };

    public static TheoryData<int, string, string, string> Foreign => new()
    {
        { 404, "404 page not found\n", "text/plain", "HTTP 404" },
        { 404, Html, "text/html", "HTTP 404" },
        { 200, Html, "text/html", "an HTML page (HTTP 200)" },
        { 200, "hello\n", "text/plain", "text/plain that is not JSON (HTTP 200)" },
        { 401, "Unauthorized\n", "text/plain", "HTTP 401" },
        { 403, Html, "text/html", "an HTML page (HTTP 403)" },
    };

    [Theory]
    [MemberData(nameof(Foreign))]
    public void Each_verb_says_the_server_does_not_look_like_slurmrestd(int status, string body, string type,
        string said)
    {
        using var server = new CannedHttpServer(Answer(status, body, ("Content-Type", type)));
        foreach ((string verb, string[] more, string what) in new[]
                 {
                     ("jobs", Array.Empty<string>(), "list jobs"), ("status", ["5"], "show job 5"),
                     ("cancel", ["5"], "cancel job 5"),
                 })
        {
            string request = $"GET /slurm/v0.0.38/{(verb == "jobs" ? "jobs" : "job/5")}";
            AssertFault(Run(verb, server.Url, more), 95, $"hpcrun: could not {what}: {server.Url}/ does not look " +
                $"like slurmrestd: it answered {request} with {said}; check the URL (--url, SLURM_RESTD_URL)");
        }
    }

    [Theory]
    [MemberData(nameof(Foreign))]
    public void The_version_probe_says_so_too(int status, string body, string type, string said)
    {
        using var server = new CannedHttpServer(Answer(status, body, ("Content-Type", type)));
        AssertFault(Probe(server), 95, $"hpcrun: {server.Url}/ does not look like slurmrestd: it answered " +
            $"GET /openapi/v3 with {said}; check the URL (--url, SLURM_RESTD_URL)");
    }

    private static CommandResult Probe(CannedHttpServer server) =>
        Hpcrun.Run(["jobs", "--url", server.Url], With("SLURM_JWT", "not-checked-here"));

    [Fact]
    public void A_401_that_asks_for_basic_authentication_names_it()
    {
        using var server = new CannedHttpServer(Answer(401, Html, ("Content-Type", "text/html"),
            ("WWW-Authenticate", "Basic realm=\"intranet\"")));
        AssertFault(Jobs(server.Url), 95, $"hpcrun: could not list jobs: {server.Url}/ does not look like " +
            "slurmrestd: it answered GET /slurm/v0.0.38/jobs with HTTP 401 asking for Basic authentication");
    }

    [Theory]
    [InlineData("jobs")]
    [InlineData("cancel")]
    public void Json_without_slurmrestds_meta_is_no_job_list_and_no_cancel(string verb)
    {
        using var server = new CannedHttpServer(200, """{"status": "ok", "jobs": []}""");
        CommandResult run = Run(verb, server.Url, verb == "cancel" ? ["5"] : []);
        AssertFault(run, 95, "hpcrun: could not ");
        Assert.Contains($"{server.Url}/ does not look like slurmrestd: it answered GET /slurm/v0.0.38/", run.Stderr);
        Assert.Contains("with JSON without slurmrestd's \"meta\" (HTTP 200)", run.Stderr);
        Assert.Equal(1, server.Requests); // a cancel sent no DELETE
    }

    /// <summary>A proxy in front of slurmrestd that could not reach it: its page is not shown as a line.</summary>
    [Fact]
    public void A_proxys_error_page_is_said_to_be_one()
    {
        using var server = new CannedHttpServer(Answer(502, Html, ("Content-Type", "text/html")));
        AssertFault(Jobs(server.Url), 95, "hpcrun: could not list jobs: slurmrestd answered HTTP 502: an HTML page");
    }

    /// <summary>slurmrestd's own 404 ("Unable find requested URL") at every path, its OpenAPI document's too, is a URL
    /// whose path is not slurmrestd's (a prefix that no proxy strips): the advice is the URL, never the API version
    /// (the probe's answer was "set the API version").</summary>
    [Fact]
    public void Slurmrestds_own_404_everywhere_says_to_check_the_url()
    {
        using var missing = new CannedHttpServer(Answer(404, Samples.Read("error_unknown_path.txt"),
            ("Content-Type", "text/plain")));
        AssertFault(Jobs(missing.Url), 95, $"hpcrun: could not list jobs: slurmrestd at {missing.Url}/ answered " +
            "GET /slurm/v0.0.38/jobs and GET /openapi/v3 with HTTP 404: it serves no API below the URL's path; " +
            "check the URL (--url, SLURM_RESTD_URL)");
        AssertFault(Probe(missing), 95, $"hpcrun: slurmrestd at {missing.Url}/ answered GET /openapi/v3 with " +
            "HTTP 404: it serves no API below the URL's path; check the URL (--url, SLURM_RESTD_URL)");
    }

    /// <summary>slurmrestd's own 404 at the API's path where its OpenAPI document lists other versions: the version
    /// is what it lacks.</summary>
    [Fact]
    public void Slurmrestds_own_404_where_its_document_lacks_the_version_names_the_versions_it_serves()
    {
        const string newer = """{"paths": {"/openapi/v3": {}, "/slurm/v0.0.40/jobs": {}, "/slurm/v0.0.39/jobs": {}}}""";
        using var server = new CannedHttpServer(n => n == 1
            ? Answer(404, Samples.Read("error_unsupported_version.txt"), ("Content-Type", "text/plain"))
            : Answer(200, newer));
        AssertFault(Jobs(server.Url), 95, $"hpcrun: could not list jobs: slurmrestd at {server.Url}/ does not " +
            "serve API v0.0.38 (HTTP 404); it serves v0.0.39, v0.0.40");
    }

    [Fact]
    public void Slurmrestds_own_401_keeps_its_advice()
    {
        using var unauthorized = new CannedHttpServer(Answer(401, Samples.Read("error_no_auth_headers.txt"),
            ("Content-Type", "text/plain")));
        AssertFault(Probe(unauthorized), 92, $"hpcrun: slurmrestd at {unauthorized.Url}/ refused authentication");
    }
}
