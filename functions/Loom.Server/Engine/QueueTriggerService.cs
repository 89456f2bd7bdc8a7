using Loom.Core.Engine;
using Loom.Core.Triggers;
using Loom.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Loom.Server.Engine;

/// <summary>The server's queue-trigger poller: passes of Core's pump, back to back while messages come, backing off while the queues are empty.</summary>
internal sealed class QueueTriggerService(QueueTriggerPump pump, IRunDriver driver, TimeProvider clock, ILogger<QueueTriggerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new IdleBackoff(pump.Options.IdleMin, pump.Options.IdleMax);
        while (!stoppingToken.IsCancellationRequested)
        {
            var handled = 0;
            try
            {
                var outcomes = await pump.PumpOnceAsync(driver, stoppingToken);
                QueueTriggerLog.Report(logger, outcomes);
                handled = outcomes.Count(o => o.Handled);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                QueueTriggerLog.PassFailed(logger, ex);
            }

            var wait = backoff.Next(handled);
            if (wait <= TimeSpan.Zero) continue;
            try
            {
                await Task.Delay(wait, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
