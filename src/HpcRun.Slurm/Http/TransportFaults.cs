using System.Net.Sockets;

namespace HpcRun.Slurm.Http;

/// <summary>
/// Turns failures below HTTP (no connection, a broken answer, no answer in time) into one-line
/// <see cref="SlurmApiException"/>s, in hpcrun's words: .NET's exception messages never reach the user.
/// </summary>
internal static class TransportFaults
{
    public static async Task<T> Guard<T>(Uri server, Func<Task<T>> send)
    {
        try
        {
            return await send().ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(server, e) is { } fault)
        {
            throw fault;
        }
    }

    /// <summary>The fault <paramref name="e"/> stands for, or null when it is not a transport failure.</summary>
    public static SlurmApiException? Translate(Uri server, Exception e) => e switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } h =>
            new(SlurmFault.Unreachable,
                $"cannot reach slurmrestd at {server}: {Reason(h)} (after {RetryHandler.MaxRetries} retries)", e),
        // Not retried (RetryHandler): a name that does not resolve is a wrong URL far more often than a passing fault.
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } h =>
            new(SlurmFault.Unreachable, $"cannot reach slurmrestd at {server}: {Reason(h)}", e),
        HttpRequestException h =>
            new(SlurmFault.BadResponse, $"slurmrestd at {server}: {Broken(h.HttpRequestError)}", e),
        TimeoutException => new(SlurmFault.Timeout, $"slurmrestd at {server} did not answer in time: {e.Message}", e),
        _ => null,
    };

    private static string Reason(HttpRequestException e) =>
        (e.InnerException as SocketException)?.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused (is slurmrestd running?)",
            SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "host not found",
            SocketError.NetworkUnreachable or SocketError.HostUnreachable => "no route to the host",
            SocketError.TimedOut => "connecting timed out",
            _ => e.HttpRequestError == HttpRequestError.NameResolutionError ? "host not found"
                : "the connection failed",
        };

    /// <summary>What went wrong with an answer, for each kind of failure .NET tells apart.</summary>
    private static string Broken(HttpRequestError error) => error switch
    {
        HttpRequestError.ResponseEnded => "the connection closed before the whole answer arrived",
        HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError => "the answer is not valid HTTP",
        HttpRequestError.SecureConnectionError => "the TLS handshake failed (certificate or protocol)",
        HttpRequestError.ConfigurationLimitExceeded => "the answer exceeds a size limit",
        HttpRequestError.ProxyTunnelError => "the proxy refused the connection",
        _ => "the request failed",
    };
}
