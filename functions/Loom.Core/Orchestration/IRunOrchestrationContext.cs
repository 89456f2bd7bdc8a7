namespace Loom.Core.Orchestration;

/// <summary>
/// What the orchestration loop needs from a durable host, shaped after Durable Functions' <c>TaskOrchestrationContext</c>
/// so that the Functions adapter is one line per member. Every member is replay-safe: code that only uses this interface
/// (and no clock, random, I/O or thread of its own) does the same thing each time the host replays it.
/// </summary>
/// <remarks>Implementations run the orchestrator on one thread; never use <c>ConfigureAwait(false)</c> in orchestrator code.</remarks>
public interface IRunOrchestrationContext
{
    /// <summary>The orchestration's current time: the same value at the same point of every replay.</summary>
    DateTimeOffset CurrentUtcDateTime { get; }

    /// <summary>True while the host re-runs code whose effects are already in the history (use it to silence logs).</summary>
    bool IsReplaying { get; }

    /// <summary>Schedules an activity and returns its result; an activity that failed (after its retries) throws the host's task-failed exception.</summary>
    /// <typeparam name="TResult">Type the activity's JSON result is read as.</typeparam>
    /// <param name="name">Activity function name.</param>
    /// <param name="input">Activity input; serialized into the history.</param>
    /// <param name="retry">How the host retries the activity when it throws; null for no retry.</param>
    Task<TResult> CallActivityAsync<TResult>(string name, object input, ActivityRetry? retry = null);

    /// <summary>A durable timer that completes at <paramref name="fireAt"/>; cancelling the token abandons it (the task is then cancelled).</summary>
    /// <param name="fireAt">When the timer fires.</param>
    /// <param name="cancellationToken">Cancel when the timer is no longer needed, so the orchestration can complete.</param>
    Task CreateTimer(DateTimeOffset fireAt, CancellationToken cancellationToken);

    /// <summary>Completes with the payload of the next external event of that name (events raised earlier are buffered).</summary>
    /// <typeparam name="T">Type the event's JSON payload is read as.</typeparam>
    /// <param name="eventName">Event name.</param>
    /// <param name="cancellationToken">Cancel when the event is no longer awaited.</param>
    Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken);

    /// <summary>Restarts the orchestration with a fresh history and <paramref name="input"/>, keeping events not yet received; return right after calling it.</summary>
    /// <param name="input">Input of the next generation.</param>
    void ContinueAsNew(object input);

    /// <summary>Publishes a small progress object that status queries return; not part of the history.</summary>
    /// <param name="status">The status object (serialized to JSON).</param>
    void SetCustomStatus(object? status);
}
