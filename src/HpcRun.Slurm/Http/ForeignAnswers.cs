namespace HpcRun.Slurm.Http;

/// <summary>
/// Tells an answer slurmrestd could have given from one of another HTTP server, which a wrong URL leads to (a
/// web server, a proxy's login page, another service's API). slurmrestd 22.05 answers a path it does not serve
/// with 404 and <see cref="UnknownPath"/>, missing or malformed authentication headers with 401 and
/// <see cref="AuthenticationFailure"/> (text/plain, no WWW-Authenticate), and everything else with JSON that
/// carries "meta": another answer is said to come from something that does not look like slurmrestd, so the user
/// fixes the URL rather than the token, the API version or the job id.
/// </summary>
internal static class ForeignAnswers
{
    public const string UnknownPath = "Unable find requested URL", AuthenticationFailure = "Authentication failure";

    /// <summary>What the answer is, in words ("HTTP 404", "an HTML page (HTTP 200)"), when slurmrestd would not
    /// give it; null when it would (or may: JSON, whose "meta" the caller checks).</summary>
    /// <param name="mediaType">The Content-Type's media type, if any.</param>
    /// <param name="authScheme">The first WWW-Authenticate scheme of a 401, if any.</param>
    public static string? Describe(int status, string? mediaType, string body, string? authScheme = null)
    {
        string text = body.TrimStart();
        return status switch
        {
            401 when authScheme is null && body.Trim() == AuthenticationFailure => null,
            401 => "HTTP 401" + (authScheme is null ? "" : $" asking for {authScheme} authentication"),
            404 => IsUnknownPath(status, body) ? null : "HTTP 404",
            // A proxy in front of slurmrestd writes its 502/503/504 as a page: slurmrestd behind it was not reached.
            >= 502 and <= 504 => null,
            _ when IsHtml(mediaType, text) => $"an HTML page (HTTP {status})",
            // Empty, or JSON (perhaps broken off): the caller says what is wrong with it.
            >= 200 and < 300 when text.Length > 0 && text[0] is not ('{' or '[') =>
                $"{mediaType ?? "an answer"} that is not JSON (HTTP {status})",
            _ => null,
        };
    }

    /// <summary>Whether the answer is slurmrestd's own 404: a path it does not serve.</summary>
    public static bool IsUnknownPath(int status, string body) =>
        status == 404 && body.TrimStart().StartsWith(UnknownPath, StringComparison.Ordinal);

    /// <summary>Whether the answer is a web page, which slurmrestd never sends.</summary>
    public static bool IsHtml(string? mediaType, string body) =>
        mediaType is "text/html" || body.TrimStart().StartsWith('<');

    /// <summary>The fault for a <paramref name="request"/> ("GET /openapi/v3") that <paramref name="server"/>
    /// answered with <paramref name="answer"/> (<see cref="Describe"/>'s words).</summary>
    public static SlurmApiException NotSlurmrestd(Uri server, string request, string answer, string? what = null) =>
        new(SlurmFault.BadResponse, (what is null ? "" : $"could not {what}: ") +
            $"{server} does not look like slurmrestd: it answered {request} with {answer}; check the URL " +
            "(--url, SLURM_RESTD_URL)");
}
