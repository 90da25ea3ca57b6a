using System.Diagnostics;

namespace HpcRun.Slurm.Http;

/// <summary>Reports each attempt (method, URL, status, time) for --debug; headers, and
/// so the token, are never shown.</summary>
internal sealed class TraceHandler(Action<string> trace, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            HttpResponseMessage response = await base.SendAsync(request, cancel).ConfigureAwait(false);
            trace($"{request.Method} {request.RequestUri} -> {(int)response.StatusCode} "
                + $"in {clock.ElapsedMilliseconds} ms");
            return response;
        }
        catch (Exception e)
        {
            trace($"{request.Method} {request.RequestUri} -> {e.GetType().Name} after {clock.ElapsedMilliseconds} ms");
            throw;
        }
    }
}
