using System.Diagnostics;

namespace HpcRun.Slurm.Http;

/// <summary>Reports each attempt (method, URL, status or why there was none, time) for --debug; headers, and
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
            // What failed, in the words of the connection (its type's name tells a user nothing).
            string why = e is OperationCanceledException ? "given up (out of time, or hpcrun was stopped)" : e.Message;
            trace($"{request.Method} {request.RequestUri} -> no answer after {clock.ElapsedMilliseconds} ms: {why}");
            throw;
        }
    }
}
