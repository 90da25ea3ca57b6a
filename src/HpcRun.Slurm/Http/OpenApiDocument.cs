using System.Net;
using System.Text.Json;

namespace HpcRun.Slurm.Http;

/// <summary>
/// slurmrestd's OpenAPI document, which lists the /slurm/VERSION/ paths it serves. slurmrestd serves it at
/// /openapi/v3 whatever its plugins, so it is read below the URL's path as the API's paths are (a path prefix, as
/// behind a reverse proxy, is kept for both): to pick the API version, and to tell why slurmrestd answered an API path
/// with its own 404. Where the document lacks the version, the server lacks it; where slurmrestd has no document
/// either, the URL's path is not where slurmrestd serves anything (a prefix no proxy strips, a typo): advice about the
/// API version would then send the user the wrong way.
/// </summary>
internal sealed class OpenApiDocument(HttpClient http, Func<string, string> redact)
{
    // Relative, below the URL's path (SlurmSettings ends it with '/'), where Refit puts the API's paths too.
    private const string Below = "openapi/v3";

    private Uri Server => http.BaseAddress!;

    /// <summary>The document's path on <paramref name="server"/> ("/prefix/openapi/v3"), as messages name it.</summary>
    public static string PathOn(Uri server) => new Uri(server, Below).AbsolutePath;

    private string Request => $"GET {PathOn(Server)}";

    /// <summary>The document's text.</summary>
    /// <exception cref="SlurmApiException">No document: slurmrestd's own 404 (check the URL), another server's
    /// answer, 401, or another status (then the API version can be given instead: set it).</exception>
    public async Task<string> ReadAsync(CancellationToken cancel) =>
        await TryReadAsync(cancel).ConfigureAwait(false) ?? throw WrongPath(Request);

    /// <summary>The fault for slurmrestd's own 404 at <paramref name="request"/>, a path of API
    /// <paramref name="version"/>: the version, when the document is there and lacks it; else the URL.</summary>
    public async Task<SlurmApiException> NotServedAsync(string version, string request, string what,
        CancellationToken cancel)
    {
        string? document = await TryReadAsync(cancel).ConfigureAwait(false);
        if (document is null) return WrongPath($"{request} and {Request}", what);
        HashSet<string> served = Versions(document, Server);
        return served.Contains(version) ? WrongPath(request, what)
            : new(SlurmFault.BadResponse, $"could not {what}: slurmrestd at {Server} does not serve API {version} "
                + $"(HTTP 404); it serves {redact(string.Join(", ", served.Order()))}");
    }

    /// <summary>The API versions a document lists (its /slurm/VERSION/ paths), at least one.</summary>
    /// <exception cref="SlurmApiException">Not slurmrestd's document: not JSON, no "paths", no /slurm/ path.
    /// </exception>
    public static HashSet<string> Versions(string document, Uri? server)
    {
        string where = server is null ? "the server" : server.ToString();
        string path = server is null ? "/" + Below : PathOn(server);
        HashSet<string> served;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(document);
            served = [.. doc.RootElement.GetProperty("paths").EnumerateObject()
                .Select(p => p.Name.Split('/', StringSplitOptions.RemoveEmptyEntries))
                .Where(parts => parts.Length > 1 && parts[0] == "slurm")
                .Select(parts => parts[1])];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new SlurmApiException(SlurmFault.BadResponse,
                // .NET's text ("The given key was not present in the dictionary.") is not for users: what is wrong
                $"{where} does not look like slurmrestd: its OpenAPI document ({path}) is "
                    + $"{(e is JsonException ? "not JSON" : "without a \"paths\" object")}; check the URL "
                    + "(--url, SLURM_RESTD_URL)", e);
        }
        return served.Count > 0 ? served : throw new SlurmApiException(SlurmFault.BadResponse,
            $"{where} does not look like slurmrestd: its OpenAPI document ({path}) lists no /slurm/ API; check the URL "
                + "(--url, SLURM_RESTD_URL)");
    }

    /// <summary>The document, or null where slurmrestd answered with its own 404.</summary>
    private async Task<string?> TryReadAsync(CancellationToken cancel) =>
        await TransportFaults.Guard(Server, async () =>
        {
            using HttpResponseMessage response = await http.GetAsync(Below, cancel).ConfigureAwait(false);
            string body = await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            if (ForeignAnswers.Describe(status, response.Content.Headers.ContentType?.MediaType, body,
                    response.Headers.WwwAuthenticate.FirstOrDefault()?.Scheme) is { } foreign)
                throw ForeignAnswers.NotSlurmrestd(Server, Request, redact(foreign));
            if (ForeignAnswers.IsUnknownPath(status, body)) return null;
            if (response.StatusCode == HttpStatusCode.Unauthorized)
                throw new SlurmApiException(SlurmFault.Unauthorized,
                    $"slurmrestd at {Server} refused authentication (HTTP 401): check the user name and the token");
            return response.IsSuccessStatusCode ? body : throw new SlurmApiException(SlurmFault.BadResponse,
                $"slurmrestd at {Server} did not serve its OpenAPI document (HTTP {status}); set the API version "
                    + "(--api-version)");
        }).ConfigureAwait(false);

    /// <summary>slurmrestd answered <paramref name="requests"/> with its own 404: it serves nothing below the URL's
    /// path.</summary>
    private SlurmApiException WrongPath(string requests, string? what = null) =>
        new(SlurmFault.BadResponse, (what is null ? "" : $"could not {what}: ")
            + $"slurmrestd at {Server} answered {requests} with HTTP 404: it serves no API below the URL's path; "
            + "check the URL (--url, SLURM_RESTD_URL)");
}
