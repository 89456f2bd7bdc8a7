using Loom.Core.Definitions;
using Loom.Core.Engine;

namespace Loom.Core.SelfHosted;

/// <summary>
/// The self-hosted driver's batching rule: applies a batch of a run's events (group commit: completions that arrive together
/// cost one write) and decides whether the batch is committed, carried, or needs nothing.
/// </summary>
/// <remarks>
/// Retries do not wait for storage. The attempt a retry timer starts is sent before its commit lands: it carries nothing the
/// stored state does not already hold (same attempt number, same inputs, same Idempotency-Key), and if the commit is lost the
/// stored outbox still owes the timer, so whoever recovers the run fires it and sends the very same attempt: exactly what a
/// crash after the commit would do. Likewise an attempt that fails into a retry need not be committed before its timer
/// starts: lost, the stored state still shows the attempt running, and the next owner sends that attempt again, as after a
/// crash before its answer. So a batch of nothing but such retries is carried: applied and acted on, committed with the
/// run's next commit or by a flush within <see cref="CarryLimit"/>. A callback task's attempt must be on record before its
/// callback can be, so the start of one is never carried.
/// </remarks>
public static class RunBatchPlanner
{
    /// <summary>Longest time a carried batch stays uncommitted when nothing else happens in the run.</summary>
    public static readonly TimeSpan CarryLimit = TimeSpan.FromMilliseconds(500);

    /// <summary>Most events one batch takes from a run's mailbox.</summary>
    public const int MaxBatch = 256;

    /// <summary>Applies <paramref name="events"/> (carried ones first, in order) to <paramref name="state"/> and decides what to do.</summary>
    /// <param name="workflow">The run's workflow.</param>
    /// <param name="state">The run's committed state.</param>
    /// <param name="events">The events of the batch.</param>
    /// <param name="context">Flush, retry and shutdown flags, each of which rules out carrying.</param>
    public static RunBatchPlan Plan(WorkflowDefinition workflow, RunState state, IEnumerable<RunEvent> events, BatchContext context)
    {
        var commands = new List<RunCommand>();
        var early = new List<InvokeTask>();
        var timers = new List<StartTimer>();
        var log = new List<RunLogEntry>();
        var carryable = true;
        foreach (var runEvent in events)
        {
            var t = RunStateMachine.Apply(workflow, state, runEvent);
            state = t.State;
            commands.AddRange(t.Commands);
            log.AddRange(t.Log);
            if (runEvent is TimerFired { Purpose: TimerPurpose.Retry } fired)
            {
                var invokes = t.Commands.OfType<InvokeTask>().Where(i => i.TaskId == fired.TaskId).ToList();
                early.AddRange(invokes);
                carryable &= invokes.Count == t.Commands.Count && !IsCallbackTask(workflow, fired.TaskId);
            }
            else if (runEvent is AttemptCompleted && t.Commands.Count > 0 && t.Commands.All(c => c is StartTimer { Purpose: TimerPurpose.Retry }))
            {
                // An attempt failed and waits to be retried.
                timers.AddRange(t.Commands.Cast<StartTimer>());
            }
            else if (t.Commands.Count > 0 || t.Log.Count > 0)
            {
                carryable = false;
            }
        }

        // Every change the machine makes is logged, so no log means nothing but stale events.
        var action = commands.Count == 0 && log.Count == 0 ? BatchAction.Nothing
            : carryable && !context.Forced && !context.Retrying && !context.Draining ? BatchAction.Carry
            : BatchAction.Commit;
        return new RunBatchPlan(action, state, commands, log, early, timers);
    }

    private static bool IsCallbackTask(WorkflowDefinition workflow, string? taskId) =>
        workflow.Tasks.FirstOrDefault(t => t.Id == taskId)?.Completion == CompletionMode.Callback;
}
