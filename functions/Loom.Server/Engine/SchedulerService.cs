using Loom.Core.Scheduling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Loom.Server.Engine;

/// <summary>The server's scheduler loop: runs Core's scheduler tick at a fixed interval. Several servers may tick at once; run ids make that safe.</summary>
internal sealed partial class SchedulerService(SchedulerTick tick, TimeProvider clock, TimeSpan interval, ILogger<SchedulerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            try
            {
                foreach (var result in await tick.RunAsync(clock.GetUtcNow(), stoppingToken))
                {
                    foreach (var runId in result.Started) LogStarted(logger, result.WorkflowId, runId);
                    foreach (var reason in result.Skipped) LogSkipped(logger, result.WorkflowId, reason);
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
        }
        while (await NextAsync(timer, stoppingToken));
    }

    private static async Task<bool> NextAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Scheduled run {RunId} of {WorkflowId} started")]
    private static partial void LogStarted(ILogger logger, string workflowId, string runId);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Occurrence of {WorkflowId} skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string workflowId, string reason);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Scheduler tick failed; retrying at the next interval")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);
}
