using Loom.Core.Scheduling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Loom.Server.Engine;

/// <summary>The server's scheduler loop: runs Core's scheduler tick at a fixed interval. Several servers may tick at once; run ids make that safe.</summary>
internal sealed partial class SchedulerService(SchedulerTick tick, TimeProvider clock, TimeSpan interval, ILogger<SchedulerService> logger) : BackgroundService
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
                    foreach (var runId in result.Started) LogStarted(logger, result.WorkflowId, runId);
                    foreach (var runId in result.BackfillStarted) LogBackfillStarted(logger, result.WorkflowId, runId, result.BackfillQueued);
                    foreach (var reason in result.Skipped) LogSkipped(logger, result.WorkflowId, reason);
                    if (result.BackfillQueued > 0 && BackfillInterval < next) next = BackfillInterval;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogTickFailed(logger, ex);
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

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Backfill run {RunId} of {WorkflowId} started; {Queued} occurrence(s) still queued")]
    private static partial void LogBackfillStarted(ILogger logger, string workflowId, string runId, int queued);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Scheduled run {RunId} of {WorkflowId} started")]
    private static partial void LogStarted(ILogger logger, string workflowId, string runId);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Occurrence of {WorkflowId} skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string workflowId, string reason);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Scheduler tick failed; retrying at the next interval")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);
}
