using HpcRun.Slurm.Http;
using HpcRun.Slurm.V0038;

namespace HpcRun.Slurm;

/// <summary>
/// Connects to slurmrestd: builds the HTTP stack (auth headers, one timeout per request, retries,
/// redirects refused, tracing) and picks the adapter for the API version, from the settings or, by default, from the
/// paths the server's OpenAPI document lists (<see cref="OpenApiDocument"/>). What a server says goes into a fault's
/// line with the token hidden (<see cref="SlurmSettings.Redact"/>); hpcrun's own words around it are never touched,
/// whatever the token.
/// </summary>
public static class SlurmClient
{
    /// <summary>The API versions hpcrun has an adapter for, newest first. A newer Slurm is one more entry.</summary>
    private static readonly (string Version, AdapterFactory Create)[] Adapters =
    [
        (SlurmV0038.ApiVersion, SlurmV0038.Create),
    ];

    /// <summary>An adapter over <paramref name="http"/>, whose base address is the URL; <paramref name="document"/>
    /// tells why slurmrestd answered a path with its own 404.</summary>
    private delegate ISlurmApi AdapterFactory(HttpClient http, OpenApiDocument document, Func<string, string> redact);

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

        var document = new OpenApiDocument(http, settings.Redact);
        string version = settings.ApiVersion == SlurmSettings.AutoVersion
            ? PickVersion(await document.ReadAsync(cancel).ConfigureAwait(false), settings.Url, settings.Redact)
            : settings.ApiVersion;
        trace?.Invoke($"{settings}: using API {version}");
        foreach (var (v, create) in Adapters)
            if (v == version) return create(http, document, settings.Redact);
        throw new SlurmApiException(SlurmFault.NotConfigured,
            $"API version '{version}' is not supported; hpcrun speaks {string.Join(", ", SupportedVersions)}");
    }

    /// <summary>The newest version that both the server's OpenAPI document (its
    /// /slurm/vX/ paths) and hpcrun know.</summary>
    public static string PickVersion(string openApiDocument, Uri? server = null, Func<string, string>? redact = null)
    {
        HashSet<string> served = OpenApiDocument.Versions(openApiDocument, server);
        return SupportedVersions.FirstOrDefault(served.Contains)
            ?? throw new SlurmApiException(SlurmFault.NotConfigured,
                $"slurmrestd serves API {(redact ?? (t => t))(string.Join(", ", served.Order()))}; "
                    + $"hpcrun speaks {string.Join(", ", SupportedVersions)}");
    }
}
