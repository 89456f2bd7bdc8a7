using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Orchestration;

/// <summary>
/// A run's first write on the Durable path, as on the self-hosted server: the run already started (its start event applied),
/// its row and the start's event rows, written in one create; the orchestration takes over from there with the work the
/// start issued, so no save is needed for the change from pending to running.
/// </summary>
/// <param name="State">The started state (running, or final when the start alone finishes the run).</param>
/// <param name="Record">The run's row to create.</param>
/// <param name="History">The start's event rows, written with the row.</param>
/// <param name="Carried">What the start owes (attempts to send, timers, callback waits): the orchestration's first work.</param>
public sealed record DurableRunStart(RunState State, RunRecord Record, RunHistory History, CarriedWork Carried)
{
    /// <summary>Applies the start event to a new run's pending state.</summary>
    /// <param name="workflow">The run's workflow.</param>
    /// <param name="pending">The run's initial (pending) state.</param>
    /// <param name="trigger">What started the run.</param>
    /// <param name="at">When it starts.</param>
    public static DurableRunStart Of(WorkflowDefinition workflow, RunState pending, string trigger, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var started = RunStateMachine.Apply(workflow, pending, new RunStarted(at));
        var commands = started.Commands;
        return new DurableRunStart(
            started.State,
            RunSnapshots.Merge(null, started.State, trigger)!,
            new RunHistory(RunEventLog.ToRecords(pending.RunId, pending.EventCount, started.Log), []),
            new CarriedWork([.. commands.OfType<InvokeTask>()], [.. commands.OfType<StartTimer>()], [.. commands.OfType<WaitForCallback>()]));
    }
}
