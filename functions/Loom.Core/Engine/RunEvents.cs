using Loom.Core.Execution;

namespace Loom.Core.Engine;

/// <summary>Something that happened to a run; the only input of the state machine. Time comes in on the event.</summary>
/// <param name="At">When it happened (the driver's clock, or the orchestration's replay-safe clock).</param>
public abstract record RunEvent(DateTimeOffset At);

/// <summary>The run begins: root tasks become eligible.</summary>
public sealed record RunStarted(DateTimeOffset At) : RunEvent(At);

/// <summary>An HTTP attempt ended with an outcome.</summary>
public sealed record AttemptCompleted(string TaskId, int Attempt, AttemptOutcome Outcome, DateTimeOffset At) : RunEvent(At);

/// <summary>The backend posted the result of a callback task's attempt.</summary>
public sealed record CallbackReceived(string TaskId, int Attempt, AttemptOutcome Outcome, DateTimeOffset At) : RunEvent(At);

/// <summary>A timer the machine asked for has fired.</summary>
public sealed record TimerFired(TimerPurpose Purpose, string? TaskId, int Attempt, DateTimeOffset At) : RunEvent(At);

/// <summary>Someone asked to cancel the run.</summary>
public sealed record CancelRequested(string? Reason, DateTimeOffset At) : RunEvent(At)
{
    /// <summary>The name of the API key that asked (never the key); null when Loom itself cancels.</summary>
    public string? By { get; init; }
}

/// <summary>
/// Someone asked to resume a failed or cancelled run in place: <paramref name="Tasks"/> (every task that did not succeed when
/// empty) and everything downstream of them go back to pending; succeeded tasks keep their state and outputs.
/// </summary>
/// <param name="Tasks">Tasks to run again; empty for every task that did not succeed.</param>
/// <param name="By">The name of the API key that asked (never the key).</param>
/// <param name="At">When it was asked.</param>
public sealed record RedriveRequested(IReadOnlyList<string> Tasks, string? By, DateTimeOffset At) : RunEvent(At);

/// <summary>
/// The driver cannot store the run's next state, for a reason that would not go away on a retry (storage refuses it): the run
/// fails with <paramref name="Reason"/>, from the last state that was stored, instead of waiting forever.
/// </summary>
public sealed record RunAborted(string Reason, DateTimeOffset At) : RunEvent(At);

/// <summary>Why a timer exists.</summary>
public enum TimerPurpose
{
    /// <summary>Backoff before the next attempt of a task.</summary>
    Retry,

    /// <summary>Deadline of a callback task waiting for its callback.</summary>
    CallbackTimeout,

    /// <summary>Deadline of the whole run (workflow <c>timeout</c>).</summary>
    RunTimeout,

    /// <summary>End of a wait task (<c>type: wait</c>).</summary>
    Wait,
}
