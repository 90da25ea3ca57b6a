using System.Text.Json;
using HpcRun.Slurm.Http;
using HpcRun.Slurm.V0038;

namespace HpcRun.Slurm;

/// <summary>
/// Connects to slurmrestd: builds the HTTP stack (auth headers, one timeout per request, retries,
/// redirects refused, tracing) and picks the adapter for the API version, from the settings or, by
/// default, from the paths the server's OpenAPI document lists. What a server says goes into a fault's line with the
/// token hidden (<see cref="SlurmSettings.Redact"/>); hpcrun's own words around it are never touched, whatever the
/// token.
/// </summary>
public static class SlurmClient
{
    /// <summary>The API versions hpcrun has an adapter for, newest first. A newer Slurm is one more entry.</summary>
    private static readonly (string Version, Func<HttpClient, Func<string, string>, ISlurmApi> Create)[] Adapters =
    [
        (SlurmV0038.ApiVersion, SlurmV0038.Create),
    ];

    public static IEnumerable<string> SupportedVersions => Adapters.Select(a => a.Version);

    public static async Task<ISlurmApi> ConnectAsync(SlurmSettings settings, Action<string>? trace = null,
        CancellationToken cancel = default)
    {
        // Redirects are refused, not followed: the token must reach the configured URL only (RedirectRefusal).
        // No timeout of its own: RetryHandler's deadline covers connecting too, and two timers would race.
        HttpMessageHandler handler = new SocketsHttpHandler { AllowAutoRedirect = false };
        if (trace is not null) handler = new TraceHandler(trace, handler);
        handler = new RedirectRefusal(settings.Redact, handler);
        handler = new RetryHandler(settings.Timeout, handler);
        handler = new SlurmHeadersHandler(settings, handler);
        var http = new HttpClient(handler) { BaseAddress = settings.Url, Timeout = Timeout.InfiniteTimeSpan };

        string version = settings.ApiVersion == SlurmSettings.AutoVersion
            ? await ProbeVersionAsync(http, settings.Redact, cancel).ConfigureAwait(false)
            : settings.ApiVersion;
        trace?.Invoke($"{settings}: using API {version}");
        foreach (var (v, create) in Adapters)
            if (v == version) return create(http, settings.Redact);
        throw new SlurmApiException(SlurmFault.NotConfigured,
            $"API version '{version}' is not supported; hpcrun speaks {string.Join(", ", SupportedVersions)}");
    }

    private static async Task<string> ProbeVersionAsync(HttpClient http, Func<string, string> redact,
        CancellationToken cancel)
    {
        const string Probe = "GET /openapi/v3";
        Uri server = http.BaseAddress!;
        string document = await TransportFaults.Guard(server, async () =>
        {
            using HttpResponseMessage response = await http.GetAsync("openapi/v3", cancel).ConfigureAwait(false);
            string body = await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            if (ForeignAnswers.Describe(status, response.Content.Headers.ContentType?.MediaType, body,
                    response.Headers.WwwAuthenticate.FirstOrDefault()?.Scheme) is { } foreign)
                throw ForeignAnswers.NotSlurmrestd(server, Probe, redact(foreign));
            if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
                throw new SlurmApiException(SlurmFault.Unauthorized,
                    $"slurmrestd at {server} refused authentication (HTTP 401): check the user name and the token");
            if (!response.IsSuccessStatusCode)
                throw new SlurmApiException(SlurmFault.BadResponse,
                    $"slurmrestd at {server} did not serve its OpenAPI document (HTTP {status}); set the API version");
            return body;
        }).ConfigureAwait(false);
        return PickVersion(document, server, redact);
    }

    /// <summary>The newest version that both the server's OpenAPI document (its
    /// /slurm/vX/ paths) and hpcrun know.</summary>
    public static string PickVersion(string openApiDocument, Uri? server = null, Func<string, string>? redact = null)
    {
        string where = server is null ? "the server" : server.ToString();
        HashSet<string> served;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(openApiDocument);
            served = [.. doc.RootElement.GetProperty("paths").EnumerateObject()
                .Select(p => p.Name.Split('/', StringSplitOptions.RemoveEmptyEntries))
                .Where(parts => parts.Length > 1 && parts[0] == "slurm")
                .Select(parts => parts[1])];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new SlurmApiException(SlurmFault.BadResponse,
                // .NET's text ("The given key was not present in the dictionary.") is not for users: what is wrong
                $"{where} does not look like slurmrestd: its OpenAPI document (/openapi/v3) is "
                    + $"{(e is JsonException ? "not JSON" : "without a \"paths\" object")}; check the URL "
                    + "(--url, SLURM_RESTD_URL)", e);
        }
        if (served.Count == 0)
            throw new SlurmApiException(SlurmFault.BadResponse, $"{where} does not look like slurmrestd: its OpenAPI "
                + "document (/openapi/v3) lists no /slurm/ API; check the URL (--url, SLURM_RESTD_URL)");
        return SupportedVersions.FirstOrDefault(served.Contains)
            ?? throw new SlurmApiException(SlurmFault.NotConfigured,
                $"slurmrestd serves API {(redact ?? (t => t))(string.Join(", ", served.Order()))}; "
                    + $"hpcrun speaks {string.Join(", ", SupportedVersions)}");
    }
}
