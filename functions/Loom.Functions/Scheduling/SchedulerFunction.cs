using Loom.Core.Api;
using Loom.Core.Definitions;
using Loom.Core.Retention;
using Loom.Core.Scheduling;
using Loom.Core.Stores;
using Loom.Functions.Hosting;
using Loom.Functions.Orchestration;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Loom.Functions.Scheduling;

/// <summary>
/// The scheduler: a Timer trigger (app setting <c>LoomSchedulerCron</c>, every minute by default) running Core's scheduler
/// tick, then its retention sweep, which purges the Durable instances of the runs it deletes.
/// </summary>
/// <remarks>Runs get deterministic ids and each run's orchestration uses that id as its instance id, so a tick that runs twice starts each occurrence once.</remarks>
public sealed class SchedulerFunction(
    WorkflowCatalog workflows,
    ISchedulerStateStore states,
    IRunStore runs,
    DurableRunDrivers drivers,
    RetentionSweep retention,
    TimeProvider clock,
    ILogger<SchedulerFunction> logger)
{
    /// <summary>Evaluates every active schedule and starts the occurrences that are due.</summary>
    /// <param name="timer">Timer details (unused: the tick computes what is due from its own bookkeeping).</param>
    /// <param name="client">The invocation's Durable client.</param>
    /// <param name="cancellationToken">Cancelled when the host shuts down.</param>
    [Function("Scheduler")]
    public async Task RunAsync([TimerTrigger("%LoomSchedulerCron%")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        var tick = new SchedulerTick(workflows, states, runs, drivers.For(client));
        var results = await tick.RunAsync(clock.GetUtcNow(), cancellationToken);
        Log.Ticked(logger, results.Sum(r => r.Started.Count), results.Sum(r => r.AlreadyStarted.Count), results.Sum(r => r.Skipped.Count));
        var swept = await retention.SweepAsync(clock.GetUtcNow(), new DurableInstancePurger(client), cancellationToken);
        if (swept.Deleted.Count > 0 || swept.Deferred > 0) Log.RetentionSwept(logger, swept.Deleted.Count, swept.RowsDeleted, swept.Deferred, swept.Examined);
    }
}
