using Loom.Core.Retention;
using Loom.Core.Scheduling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Loom.Server.Engine;

/// <summary>
/// The server's scheduler loop: runs Core's scheduler tick, then its retention sweep, at a fixed interval. Several servers may
/// tick at once; run ids make that safe, and a run two sweeps delete at once is deleted once.
/// </summary>
internal sealed class SchedulerService(SchedulerTick tick, RetentionSweep retention, TimeProvider clock, TimeSpan interval, ILogger<SchedulerService> logger) : BackgroundService
{
    /// <summary>How soon the next tick comes while a bounded backfill waits for free slots (its runs finish in seconds, not minutes).</summary>
    internal static readonly TimeSpan BackfillInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = interval;
            try
            {
                foreach (var result in await tick.RunAsync(clock.GetUtcNow(), stoppingToken))
                {
                    foreach (var runId in result.Started) Log.Started(logger, result.WorkflowId, runId);
                    foreach (var runId in result.BackfillStarted) Log.BackfillStarted(logger, result.WorkflowId, runId, result.BackfillQueued);
                    foreach (var reason in result.Skipped) Log.Skipped(logger, result.WorkflowId, reason);
                    if (result.BackfillQueued > 0 && BackfillInterval < next) next = BackfillInterval;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Log.TickFailed(logger, ex);
            }
            try
            {
                var swept = await retention.SweepAsync(clock.GetUtcNow(), null, stoppingToken);
                if (swept.Deleted.Count > 0) Log.RetentionSwept(logger, swept.Deleted.Count, swept.RowsDeleted, swept.Examined);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Log.RetentionFailed(logger, ex);
            }
            try
            {
                await Task.Delay(next, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
