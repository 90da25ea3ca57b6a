using System.Net;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace HpcRun.Slurm.Http;

/// <summary>
/// Bounded retries for faults that go away on their own: connection refused (slurmrestd
/// restarting) and 502/503/504 from a proxy. A 4xx or a 500 is an answer and is never
/// retried; neither is a timeout, since a submit that timed out may have been accepted.
/// Each attempt has its own time limit.
/// </summary>
internal sealed class RetryHandler : DelegatingHandler
{
    public const int MaxRetries = 3;
    private readonly ResiliencePipeline<HttpResponseMessage> pipeline;

    public RetryHandler(TimeSpan attemptTimeout, HttpMessageHandler inner) : base(inner)
    {
        pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(2),
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>(e => e.HttpRequestError is HttpRequestError.ConnectionError)
                    .HandleResult(r => r.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout),
                OnRetry = args => { args.Outcome.Result?.Dispose(); return ValueTask.CompletedTask; },
            })
            .AddTimeout(attemptTimeout)
            .Build();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancel)
    {
        try
        {
            return await pipeline.ExecuteAsync(async token => await base.SendAsync(request, token).ConfigureAwait(false), cancel).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException e)
        {
            throw new TimeoutException($"no answer within {e.Timeout.TotalSeconds:0.#} s", e);
        }
    }
}
