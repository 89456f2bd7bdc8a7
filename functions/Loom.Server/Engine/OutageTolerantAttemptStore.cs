using Loom.Core.SelfHosted;
using Loom.Core.Stores;
using Microsoft.Extensions.Logging;

namespace Loom.Server.Engine;

/// <summary>
/// The attempt history as the engine writes it: a write that fails because storage is unreachable is retried (with
/// backoff, until the process stops) instead of failing the attempt, whose outcome would then be lost with the call
/// already made and its run left waiting for it. Reads pass through.
/// </summary>
internal sealed partial class OutageTolerantAttemptStore(IAttemptStore inner, TimeProvider clock, CancellationToken stopping, ILogger<OutageTolerantAttemptStore> logger) : IAttemptStore
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
                if (outages == 0) LogOutage(logger, attempt.RunId, attempt.TaskId, attempt.Attempt, ex.Message);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, cancellationToken);
                await Task.Delay(CommitFailures.OutageDelay(outages), clock, linked.Token);
            }
        }
    }

    public Task<IReadOnlyList<AttemptRecord>> ListAsync(string runId, string? taskId, CancellationToken cancellationToken = default) =>
        inner.ListAsync(runId, taskId, cancellationToken);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "Attempt {RunId}/{TaskId}#{Attempt}: storage unreachable ({Error}); retrying the attempt's record until it is back")]
    private static partial void LogOutage(ILogger logger, string runId, string taskId, int attempt, string error);
}
