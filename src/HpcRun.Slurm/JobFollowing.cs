using Polly;
using Polly.Retry;

namespace HpcRun.Slurm;

/// <summary>
/// What `submit --wait` does when a poll of its job fails. The job exists once submitted, so a fault of slurmrestd is
/// no reason to forget it: a stall (no answer within --timeout) or a lost connection (slurmrestd restarting) is
/// polled through, <see cref="MaxStalledPolls"/> polls in a row at most, the waits between them doubling from 1 s;
/// any answer (a rejected token, Slurm's error) would only repeat, and ends the wait at once. Either way the one
/// line names the job and how to follow it (<see cref="StoppedWaiting"/>).
/// </summary>
public static class JobFollowing
{
    /// <summary>Failed polls in a row before the wait ends: with the default --timeout (30 s) about 2.5 minutes of
    /// silence, 20 s with --timeout 1.</summary>
    public const int MaxStalledPolls = 5;

    /// <summary>Whether a failed poll is worth another: slurmrestd did not answer in time or was not
    /// reached.</summary>
    public static bool IsTransient(SlurmFault fault) => fault is SlurmFault.Timeout or SlurmFault.Unreachable;

    /// <summary>The one line of a wait that ends before the job does; <paramref name="why"/> is the last fault's
    /// line.</summary>
    public static string StoppedWaiting(long id, string why) =>
        $"job {id} is submitted and may still run, but hpcrun stopped waiting for it: {why}; " +
        $"follow it with `hpcrun status {id}`";

    /// <summary>The retries of one poll of job <paramref name="id"/>; <paramref name="stalled"/> hears of each
    /// transient failure (its line) and the wait before the next poll.</summary>
    public static ResiliencePipeline<JobInfo> Polls(Action<string, TimeSpan> stalled) =>
        new ResiliencePipelineBuilder<JobInfo>()
            .AddRetry(new RetryStrategyOptions<JobInfo>
            {
                MaxRetryAttempts = MaxStalledPolls - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = TimeSpan.FromSeconds(1),
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldHandle = new PredicateBuilder<JobInfo>().Handle<SlurmApiException>(e => IsTransient(e.Fault)),
                OnRetry = args =>
                {
                    stalled(args.Outcome.Exception?.Message ?? "", args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
}
