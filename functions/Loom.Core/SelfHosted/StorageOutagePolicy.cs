using Polly;
using Polly.Retry;

namespace Loom.Core.SelfHosted;

/// <summary>
/// The one policy for riding out a storage outage: what counts as one (the host's call: it knows its storage client's errors),
/// how long to pause (100 ms doubling to 5 s, no jitter) and that the wait only ends when storage answers or the process stops.
/// Every write the self-hosted driver cannot afford to lose (a run's commit, its reload, attempt rows) goes through it.
/// </summary>
public sealed class StorageOutagePolicy
{
    /// <summary>The pause after the first failure to reach storage.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest pause between two tries.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    // Who to tell when an outage starts: set per call, so one pipeline serves every caller and each logs in its own words.
    private static readonly ResiliencePropertyKey<Action<Exception>> OnOutage = new("loom.storage-outage");

    private readonly ResiliencePipeline _pipeline;

    /// <summary>Builds the policy.</summary>
    /// <param name="isOutage">True for a failure that means storage could not be reached or was overloaded (as opposed to a request it rejected).</param>
    /// <param name="clock">The clock the pauses run on.</param>
    public StorageOutagePolicy(Func<Exception, bool> isOutage, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(isOutage);
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } error && !args.Context.CancellationToken.IsCancellationRequested && isOutage(error)),
                BackoffType = DelayBackoffType.Exponential,
                Delay = FirstDelay,
                MaxDelay = MaxDelay,
                UseJitter = false,
                // Until storage is back: the events being written exist only in this process.
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    // Once per outage, not per try: an outage of minutes must not flood the log.
                    if (args.AttemptNumber == 0 && args.Context.Properties.TryGetValue(OnOutage, out var report)) report(args.Outcome.Exception!);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>
    /// Runs <paramref name="action"/>, trying again after each outage until it succeeds, fails for another reason, or
    /// <paramref name="cancellationToken"/> is cancelled (which ends a pause with <see cref="OperationCanceledException"/>).
    /// </summary>
    /// <param name="action">The storage call; it is not handed the token, so a call under way is not cut off by a stop.</param>
    /// <param name="onOutage">Called once, when the first try meets an outage.</param>
    /// <param name="cancellationToken">Ends the waiting (the process stops).</param>
    public async Task<T> ExecuteAsync<T>(Func<Task<T>> action, Action<Exception> onOutage, CancellationToken cancellationToken)
    {
        // Continuations stay on the caller's context: none in the hosts, a single-threaded one in the deterministic simulations.
        var context = ResilienceContextPool.Shared.Get(continueOnCapturedContext: true, cancellationToken);
        context.Properties.Set(OnOutage, onOutage);
        try
        {
            return await _pipeline.ExecuteAsync(static async (_, call) => await call(), context, action);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <inheritdoc cref="ExecuteAsync{T}(Func{Task{T}}, Action{Exception}, CancellationToken)"/>
    public Task ExecuteAsync(Func<Task> action, Action<Exception> onOutage, CancellationToken cancellationToken) =>
        ExecuteAsync(async () =>
        {
            await action();
            return true;
        }, onOutage, cancellationToken);
}
