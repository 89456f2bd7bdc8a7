using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;

namespace Loom.Core.Orchestration;

/// <summary>
/// The Durable driver of the run state machine: one orchestration per run that turns the machine's commands into
/// activities, durable timers and external-event waits, awaits whichever finishes first, and feeds it back as an event.
/// </summary>
/// <remarks>
/// <para>Determinism: the loop reads time only from <see cref="IRunOrchestrationContext.CurrentUtcDateTime"/>, keeps its
/// outstanding work in ordered lists, and schedules work in the order the machine's commands come, so every replay
/// schedules the same actions with the same inputs.</para>
/// <para>Persistence: the driver creates the run's row already started (<see cref="DurableRunStart"/>). <c>SaveRun</c> is an
/// activity with at most one in flight, and the run's row is saved only when the run's status changes (final, or started for
/// a run that came in pending), before a ContinueAsNew, and when the loop ends. Between saves the orchestration
/// publishes its progress as its custom status (<see cref="RunLiveStatus"/>: each started task's status and attempt), which the
/// API lays over the stored row while the run is running; a run too large for that falls back to a save per change. Each save
/// holds the latest snapshot, every log row and every attempt row (returned by <c>InvokeTask</c>) since the previous one, in
/// one write; rows and snapshots are idempotent, so a save Durable re-delivers stores nothing twice. An activity's result is in
/// the history, so a host that dies before the next save loses no attempt row: the replay collects it again.</para>
/// <para>The run's end: the attempt that is the run's last piece of work carries a <see cref="Execution.FinishOffer"/>, and
/// its <c>InvokeTask</c> activity stores the final state itself when its outcome ends the run (<see cref="RunFinisher"/>),
/// over the row's ETag only; the orchestration then completes in the episode that reads the result, without a final
/// <c>SaveRun</c>. Saves made while such an attempt may have written carry <see cref="SaveRunInput.BasedOn"/> and yield to
/// a final state stored first (<see cref="SaveRunResult.Overtaken"/>), which the orchestration takes as its end: whichever
/// writes first ends the run (a cancel or timeout racing the last call), and a final state is never replaced.</para>
/// <para>ContinueAsNew: after <see cref="RunOrchestrationInput.ContinueAsNewAfter"/> events the generation drains: new
/// attempts are held back (not sent), events keep being applied, and once no activity (attempt or save) is in flight the
/// generation continues as new with the state, the held-back attempts and the open timers and callback waits. An attempt
/// in flight is therefore never lost (its result arrives in the generation that sent it) nor sent twice; held-back
/// attempts wait at most for the slowest attempt in flight. Callbacks and cancels raised meanwhile stay buffered for the
/// next generation.</para>
/// </remarks>
public static class DurableRunOrchestrator
{
    /// <summary>Name of the activity that performs one HTTP attempt (input <see cref="InvokeTaskInput"/>, result <see cref="InvokeTaskResult"/>).</summary>
    public const string InvokeTaskActivity = "InvokeTask";

    /// <summary>Name of the activity that writes the run's snapshot, event log and attempt rows (input <see cref="SaveRunInput"/>, result <see cref="SaveRunResult"/>).</summary>
    public const string SaveRunActivity = "SaveRun";

    /// <summary>Name of the activity that sends one notification to one URL (input <see cref="NotificationInput"/> with one URL, result <see cref="NotificationDelivery"/>).</summary>
    public const string NotifyActivity = "Notify";

    /// <summary>Host retries of <c>Notify</c>: the backoff of a notification whose receiver answers 5xx, 408, 429 or not at all.</summary>
    public static ActivityRetry NotifyRetry { get; } = new(6, TimeSpan.FromSeconds(1), 2.0, TimeSpan.FromMinutes(1));

    /// <summary>Name of the external event that cancels a run (payload <see cref="CancelRunRequest"/>).</summary>
    public const string CancelEvent = "cancel";

    /// <summary>
    /// Host retries of <c>SaveRun</c>: a storage outage of a few minutes must not fail the run. <c>InvokeTask</c> has none,
    /// because retrying a task is Loom's decision (its retry policy), taken on the failure the loop reports.
    /// </summary>
    public static ActivityRetry SaveRunRetry { get; } = new(8, TimeSpan.FromSeconds(2), 2.0, TimeSpan.FromMinutes(2));

    /// <summary>Default number of events one generation applies before it continues as new.</summary>
    public const int DefaultContinueAsNewAfter = 100;

    /// <summary>Name of the external event that completes a waiting callback attempt (payload <see cref="AttemptOutcome"/>).</summary>
    /// <remarks>
    /// Durable compares event names case-insensitively, so each upper-case letter of the task id is written as '^' and its
    /// lower-case form ('^' cannot occur in an id): tasks "load" and "Load" wait for different events.
    /// </remarks>
    /// <param name="taskId">Task id.</param>
    /// <param name="attempt">The attempt that is waiting.</param>
    public static string CallbackEvent(string taskId, int attempt)
    {
        var name = new System.Text.StringBuilder("callback:", taskId.Length + 16);
        foreach (var c in taskId)
        {
            if (char.IsUpper(c)) name.Append('^').Append(char.ToLowerInvariant(c));
            else name.Append(c);
        }

        return name.Append(':').Append(attempt.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToString();
    }

    /// <summary>The external event a host raises to deliver <paramref name="runEvent"/> to a running orchestration; null for events the loop makes itself.</summary>
    /// <param name="runEvent">A cancel or a callback.</param>
    public static RunExternalEvent? ToExternalEvent(RunEvent runEvent) => runEvent switch
    {
        CancelRequested cancel => new RunExternalEvent(CancelEvent, new CancelRunRequest(cancel.Reason, cancel.By)),
        CallbackReceived callback => new RunExternalEvent(CallbackEvent(callback.TaskId, callback.Attempt), callback.Outcome),
        _ => null,
    };

    /// <summary>The orchestrator function body: runs (one generation of) the run to its end or to a ContinueAsNew.</summary>
    /// <param name="context">The host's orchestration context.</param>
    /// <param name="input">The workflow, the run's state and any carried work.</param>
    public static Task<RunOrchestrationResult> RunAsync(IRunOrchestrationContext context, RunOrchestrationInput input) =>
        new DurableRunLoop(context, input).RunAsync();
}
