using Loom.Core.Triggers;
using Loom.Functions.Orchestration;
using Loom.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Loom.Functions.Triggers;

/// <summary>
/// Queue triggers on the Function App: a Timer trigger (every 5 seconds) that drains every queue the workflows declare through
/// Core's pump, the same code the server's poller runs. Why not a Queue trigger: a Functions queue trigger binds one queue name
/// fixed at deployment, while Loom's queue names come with workflows registered at run time (see README, Event triggers).
/// </summary>
public sealed class QueueTriggerFunction(QueueTriggerPump pump, DurableRunDrivers drivers, ILogger<QueueTriggerFunction> logger)
{
    /// <summary>How long one tick keeps taking messages while they come (the next tick waits for it: timers run one at a time).</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(50);

    /// <summary>Takes messages from the declared queues until they are empty or the budget is spent.</summary>
    /// <param name="timer">Timer details (unused).</param>
    /// <param name="client">The invocation's Durable client.</param>
    /// <param name="cancellationToken">Cancelled when the host shuts down.</param>
    [Function("QueueTriggers")]
    public async Task RunAsync([TimerTrigger("*/5 * * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        QueueTriggerLog.Report(logger, await pump.DrainAsync(drivers.For(client), Budget, cancellationToken));
}
