using System.Net.Sockets;

namespace HpcRun.Slurm.Http;

/// <summary>Turns failures below HTTP (no connection, no answer in time) into one-line <see cref="SlurmApiException"/>s.</summary>
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
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } h =>
            new(SlurmFault.Unreachable, $"cannot reach slurmrestd at {server}: {Reason(h)} (after {RetryHandler.MaxRetries} retries)", e),
        HttpRequestException => new(SlurmFault.BadResponse, $"slurmrestd at {server}: {e.Message}", e),
        TimeoutException => new(SlurmFault.Timeout, $"slurmrestd at {server} did not answer: {e.Message}", e),
        _ => null,
    };

    private static string Reason(HttpRequestException e) => (e.InnerException as SocketException)?.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused (is slurmrestd running?)",
        SocketError.HostNotFound or SocketError.TryAgain => "host not found",
        _ => e.InnerException?.Message ?? e.Message,
    };
}
