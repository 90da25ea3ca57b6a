using System.Text.Json;
using HpcRun.Slurm.Http;
using HpcRun.Slurm.V0038;

namespace HpcRun.Slurm;

/// <summary>
/// Connects to slurmrestd: builds the HTTP stack (auth headers, one timeout per request, retries,
/// redirects refused, tracing) and picks the adapter for the API version, from the settings or, by
/// default, from the paths the server's OpenAPI document lists.
/// </summary>
public static class SlurmClient
{
    /// <summary>The API versions hpcrun has an adapter for, newest first. A newer Slurm is one more entry.</summary>
    private static readonly (string Version, Func<HttpClient, ISlurmApi> Create)[] Adapters =
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
        handler = new RedirectRefusal(handler);
        handler = new RetryHandler(settings.Timeout, handler);
        handler = new SlurmHeadersHandler(settings, handler);
        var http = new HttpClient(handler) { BaseAddress = settings.Url, Timeout = Timeout.InfiniteTimeSpan };

        string version = settings.ApiVersion == SlurmSettings.AutoVersion
            ? await ProbeVersionAsync(http, cancel).ConfigureAwait(false)
            : settings.ApiVersion;
        trace?.Invoke($"{settings}: using API {version}");
        foreach (var (v, create) in Adapters)
            if (v == version) return create(http);
        throw new SlurmApiException(SlurmFault.NotConfigured,
            $"API version '{version}' is not supported; hpcrun speaks {string.Join(", ", SupportedVersions)}");
    }

    private static async Task<string> ProbeVersionAsync(HttpClient http, CancellationToken cancel)
    {
        string document = await TransportFaults.Guard(http.BaseAddress!, async () =>
        {
            using HttpResponseMessage response = await http.GetAsync("openapi/v3", cancel).ConfigureAwait(false);
            if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
                throw new SlurmApiException(SlurmFault.Unauthorized,
                    $"slurmrestd at {http.BaseAddress} refused authentication (HTTP 401): "
                        + "check the user name and the token");
            if (!response.IsSuccessStatusCode)
                throw new SlurmApiException(SlurmFault.BadResponse,
                    $"slurmrestd at {http.BaseAddress} did not serve its OpenAPI document "
                        + $"(HTTP {(int)response.StatusCode}); set the API version");
            return await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return PickVersion(document);
    }

    /// <summary>The newest version that both the server's OpenAPI document (its
    /// /slurm/vX/ paths) and hpcrun know.</summary>
    public static string PickVersion(string openApiDocument)
    {
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
                $"slurmrestd's OpenAPI document is not what hpcrun expects ({(e is JsonException ? "not JSON"
                    : "no \"paths\" object")})", e);
        }
        return SupportedVersions.FirstOrDefault(served.Contains)
            ?? throw new SlurmApiException(SlurmFault.NotConfigured,
                $"slurmrestd serves API {string.Join(", ", served.Order())}; "
                    + $"hpcrun speaks {string.Join(", ", SupportedVersions)}");
    }
}
