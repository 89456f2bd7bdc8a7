using Loom.Core.SelfHosted;
using Loom.Core.Stores;
using Microsoft.Extensions.Logging;

namespace Loom.Server.Engine;

/// <summary>
/// The attempt history as the engine writes it: a write that fails because storage is unreachable is retried (with
/// backoff, until the process stops) instead of failing the attempt, whose outcome would then be lost with the call
/// already made and its run left waiting for it. Reads pass through.
/// </summary>
internal sealed class OutageTolerantAttemptStore(IAttemptStore inner, TimeProvider clock, CancellationToken stopping, ILogger<OutageTolerantAttemptStore> logger) : IAttemptStore
{
    public async Task PutAsync(AttemptRecord attempt, CancellationToken cancellationToken = default)
    {
        for (var outages = 0; ; outages++)
        {
            try
            {
                await inner.PutAsync(attempt, cancellationToken);
                return;
            }
            catch (Exception ex) when (SelfHostedRunDriver.IsStorageOutage(ex) && !stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                if (outages == 0) Log.AttemptStoreOutage(logger, attempt.RunId, attempt.TaskId, attempt.Attempt, ex.Message);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, cancellationToken);
                await Task.Delay(CommitFailures.OutageDelay(outages), clock, linked.Token);
            }
        }
    }

    public Task<IReadOnlyList<AttemptRecord>> ListAsync(string runId, string? taskId, CancellationToken cancellationToken = default) =>
        inner.ListAsync(runId, taskId, cancellationToken);
}
