namespace HpcRun.Slurm.Http;

/// <summary>
/// Refuses every redirect (HTTP 3xx). Followed, one would carry X-SLURM-USER-TOKEN to wherever
/// the Location header points (another host, port or scheme: .NET drops only Authorization), and
/// a 307/308 would send a submit's POST a second time. slurmrestd itself never redirects, so a
/// redirect means the URL points at something else; the user fixes the URL.
/// The handler below this one must not follow redirects itself (AllowAutoRedirect = false).
/// </summary>
/// <param name="redact">Hides the token in the Location's path, which the server wrote.</param>
internal sealed class RedirectRefusal(Func<string, string> redact, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    /// <exception cref="SlurmApiException">Fault BadResponse (status 95) for any 3xx answer.</exception>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancel)
    {
        HttpResponseMessage response = await base.SendAsync(request, cancel).ConfigureAwait(false);
        int status = (int)response.StatusCode;
        if (status is < 300 or >= 400) return response;
        Uri from = request.RequestUri!;
        // Path only: a query could carry anything, and the message goes to the terminal.
        string to = response.Headers.Location is { } location
            ? $" to {redact(new Uri(from, location).GetLeftPart(UriPartial.Path))}" : "";
        response.Dispose();
        string server = from.GetLeftPart(UriPartial.Authority);
        throw new SlurmApiException(SlurmFault.BadResponse,
            $"slurmrestd at {server}/ redirected {request.Method} {from.AbsolutePath}{to} " +
            $"(HTTP {status}): hpcrun follows no redirect, so that the token goes nowhere else and no request is " +
            "sent twice; set the URL to slurmrestd's own");
    }
}
