using System.Net;
using Polly;
using Polly.Retry;

namespace HpcRun.Slurm.Http;

/// <summary>
/// One request to slurmrestd, bounded as a whole by the timeout (--timeout, SLURM_RESTD_TIMEOUT):
/// connecting, every attempt, the waits between them, the headers and the whole body, which is
/// read here into memory so that nothing above reads from the network afterwards (a server that
/// sends one byte a second must not hold hpcrun past its timeout). Bounded retries for faults
/// that go away on their own: connection refused (slurmrestd restarting, nothing was sent; a host
/// name that does not resolve is not one of them) and, for reads and cancels, 502/503/504 from a
/// proxy. A submit (POST) is sent again only when it could not have arrived: after a proxy's
/// 502/503/504 or a timeout slurmrestd may have queued the job, and a second POST would queue it
/// twice. A 4xx or a 500 is an answer and is never retried.
/// </summary>
internal sealed class RetryHandler(TimeSpan timeout, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public const int MaxRetries = 3;

    /// <exception cref="TimeoutException">The timeout passed before the whole answer arrived. When it passed
    /// while waiting to retry a refused connection, that failure is thrown instead: the server is down.</exception>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancel)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        Exception? connectFailure = null;
        try
        {
            return await Pipeline(retryAnswers: request.Method != HttpMethod.Post, failure => connectFailure = failure)
                .ExecuteAsync(token =>
                {
                    connectFailure = null; // what counts is how the attempt the deadline cut short began
                    return ReadWhole(request, token);
                }, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (deadline.IsCancellationRequested && !cancel.IsCancellationRequested
                                  && e is not SlurmApiException)
        {
            throw connectFailure ?? new TimeoutException($"no complete answer within {timeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>One attempt: the answer with its body already read.</summary>
    private async ValueTask<HttpResponseMessage> ReadWhole(HttpRequestMessage request, CancellationToken token)
    {
        HttpResponseMessage response = await base.SendAsync(request, token).ConfigureAwait(false);
        try
        {
            await response.Content.LoadIntoBufferAsync(token).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>The retry strategy for one request: connection failures, and with <paramref name="retryAnswers"/>
    /// a proxy's 502/503/504; <paramref name="connectFailed"/> hears of each connection failure it retries.</summary>
    private static ResiliencePipeline<HttpResponseMessage> Pipeline(bool retryAnswers,
        Action<Exception> connectFailed) =>
        new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(2),
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>(e => e.HttpRequestError is HttpRequestError.ConnectionError)
                    .HandleResult(r => retryAnswers && (r.StatusCode is HttpStatusCode.BadGateway
                        or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout)),
                OnRetry = args =>
                {
                    if (args.Outcome.Exception is { } failure) connectFailed(failure);
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
}
