using System.Text.Json;
using Loom.Core.Engine;
using Loom.Core.Notifications;
using Loom.Core.Orchestration;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Loom.Functions.Activities;

/// <summary>The <c>Notify</c> activity: one try of one notification to one URL, through Core's <see cref="NotificationSender"/>.</summary>
/// <remarks>
/// The orchestrator calls it after the run's final save (or when an sla is missed) with <see cref="DurableRunOrchestrator.NotifyRetry"/>:
/// a try worth retrying throws, so Durable retries it with backoff on durable timers. Durable runs an activity at least once;
/// a re-delivery sends the same body with the same id, which the receiver can drop.
/// </remarks>
public sealed class NotifyActivity(NotificationSender sender, ILogger<NotifyActivity> logger)
{
    /// <summary>Sends the notification; returns the <see cref="Core.Engine.NotificationDelivery"/> when it is final, throws when it is worth retrying.</summary>
    /// <param name="payload">The <see cref="NotificationInput"/> with one URL, in <see cref="RunOrchestrationJson"/>'s contract.</param>
    /// <param name="cancellationToken">Cancelled when the host shuts down.</param>
    [Function(DurableRunOrchestrator.NotifyActivity)]
    public async Task<RunPayload<NotificationDelivery>> RunAsync([ActivityTrigger] RunPayload<NotificationInput> payload, CancellationToken cancellationToken)
    {
        var input = payload.Value;
        try
        {
            var delivery = await sender.TryForActivityAsync(input, cancellationToken);
            Log.Notified(logger, input.RunId, input.Key, delivery.Target, delivery.Sent, delivery.Detail);
            return new RunPayload<NotificationDelivery>(delivery);
        }
        catch (NotificationUndeliveredException ex)
        {
            Log.NotifyRetried(logger, input.RunId, input.Key, ex.Message);
            throw;
        }
    }
}
