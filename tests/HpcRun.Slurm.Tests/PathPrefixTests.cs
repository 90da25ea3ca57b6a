using System.Text;
using HpcRun.TestSupport;

namespace HpcRun.Slurm.Tests;

/// <summary>
/// A slurmrestd URL with a path, as behind a reverse proxy that serves it below a prefix: the OpenAPI document (the
/// version probe) and the API's paths are both asked for below the URL's path, with or without its trailing '/' (the
/// probe went to /openapi/v3, the prefix dropped, or to /extra/openapi/v3 for /extra/path). Against the live
/// slurmrestd: through a proxy that forwards /prefix/* to it, and straight to it, where no path but its own is served
/// and the advice is the URL, not the API version.
/// </summary>
[Collection("cluster")]
public sealed class PathPrefixTests(LocalCluster cluster) : IDisposable
{
    private const string Prefix = "/prefix";
    private static readonly HttpClient Http = new();
    private static readonly Dictionary<string, string> PlainText = new() { ["Content-Type"] = "text/plain" };

    private readonly ClusterUser user = new(cluster);
    private readonly CannedHttpServer proxy = new(new CannedHttpServer.Answer(0, "")
    { Reply = request => Forward(request, cluster.Url) });

    public void Dispose() => proxy.Dispose();

    /// <summary>A reverse proxy's answer: what slurmrestd answers to the path without the prefix, and a proxy's own
    /// 404 page for what lies outside it.</summary>
    private static CannedHttpServer.Answer Forward(CannedHttpServer.Request request, string slurmrestd)
    {
        if (!request.Path.StartsWith(Prefix + "/", StringComparison.Ordinal))
            return new(404, "404 page not found\n") { Headers = PlainText };
        using var forwarded = new HttpRequestMessage(new HttpMethod(request.Method),
            slurmrestd + request.Path[Prefix.Length..]);
        foreach (CannedHttpServer.Field field in request.Headers.Where(h => h.Name.StartsWith("X-SLURM-",
                     StringComparison.OrdinalIgnoreCase)))
            forwarded.Headers.Add(field.Name, field.Value);
        if (request.Body.Length > 0)
        {
            // Its type as sent: slurmrestd reads a body whose type it does not know (with a charset) as a query.
            forwarded.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.Body));
            forwarded.Content.Headers.TryAddWithoutValidation("Content-Type", request.Header("Content-Type"));
        }
        using HttpResponseMessage answer = Http.Send(forwarded);
        return new((int)answer.StatusCode, answer.Content.ReadAsStringAsync().GetAwaiter().GetResult())
        {
            Headers = new Dictionary<string, string>
            { ["Content-Type"] = answer.Content.Headers.ContentType?.MediaType ?? "application/json" },
        };
    }

    [Theory]
    [InlineData(Prefix)]
    [InlineData(Prefix + "/")]
    public void Through_a_proxy_the_probe_and_the_api_keep_the_prefix(string path)
    {
        string url = proxy.Url + path;
        CommandResult jobs = user.Hpcrun(["--debug", "jobs"], ("SLURM_RESTD_URL", url));
        Assert.True(jobs.ExitCode == 0, jobs.ToString());
        Assert.Contains($"GET {proxy.Url}{Prefix}/openapi/v3 -> 200", jobs.Stderr);
        Assert.Contains($"GET {proxy.Url}{Prefix}/slurm/v0.0.38/jobs -> 200", jobs.Stderr);
        CommandResult submitted = user.Hpcrun(["submit", "--wait", LocalCluster.Image, "--", "true"],
            ("SLURM_RESTD_URL", url));
        Assert.True(submitted.ExitCode == 0, submitted.ToString());
        Assert.All(proxy.Received, r => Assert.StartsWith(Prefix + "/", r.Path));
    }

    /// <summary>Straight to slurmrestd, which serves nothing below a path: its own 404, at the probe and at the API's
    /// path, is the URL's fault.</summary>
    [Theory]
    [InlineData(Prefix)]
    [InlineData("/extra/path/")]
    public void A_path_slurmrestd_does_not_serve_says_to_check_the_url(string path)
    {
        string url = cluster.Url + path, at = $"slurmrestd at {url.TrimEnd('/')}/ answered GET {path.TrimEnd('/')}";
        const string advice = "with HTTP 404: it serves no API below the URL's path; check the URL (--url, " +
            "SLURM_RESTD_URL)\n";
        CommandResult probed = user.Hpcrun(["jobs"], ("SLURM_RESTD_URL", url));
        Assert.Equal((95, $"hpcrun: {at}/openapi/v3 {advice}"), (probed.ExitCode, probed.Stderr));
        CommandResult versioned = user.Hpcrun(["jobs", "--api-version", "v0.0.38"], ("SLURM_RESTD_URL", url));
        Assert.Equal((95, $"hpcrun: could not list jobs: {at}/slurm/v0.0.38/jobs and GET {path.TrimEnd('/')}" +
            $"/openapi/v3 {advice}"), (versioned.ExitCode, versioned.Stderr));
    }
}
