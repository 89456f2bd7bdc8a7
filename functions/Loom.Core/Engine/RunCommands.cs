namespace Loom.Core.Engine;

/// <summary>Something the state machine asks its driver to do.</summary>
public abstract record RunCommand;

/// <summary>Send attempt <paramref name="Attempt"/> of a task; the driver answers with <see cref="AttemptCompleted"/>.</summary>
public sealed record InvokeTask(string TaskId, int Attempt) : RunCommand;

/// <summary>Start a durable timer; the driver answers with <see cref="TimerFired"/> at or after <paramref name="FireAt"/>.</summary>
public sealed record StartTimer(TimerPurpose Purpose, string? TaskId, int Attempt, DateTimeOffset FireAt) : RunCommand;

/// <summary>A callback task's attempt was accepted: wait for <see cref="CallbackReceived"/> until <paramref name="Deadline"/>.</summary>
public sealed record WaitForCallback(string TaskId, int Attempt, DateTimeOffset Deadline) : RunCommand;

/// <summary>Abort an attempt in flight (best effort; its late outcome will be ignored).</summary>
public sealed record AbortTask(string TaskId, int Attempt) : RunCommand;

/// <summary>The run reached a final status.</summary>
public sealed record FinishRun(RunStatus Status, string? Reason) : RunCommand;

/// <summary>An entry for the run's audit log, produced by a transition.</summary>
/// <param name="Type">e.g. RunStarted, TaskStarted, TaskRetrying, TaskSucceeded, TaskFailed, TaskSkipped, RunSucceeded.</param>
/// <param name="TaskId">The task concerned, if any.</param>
/// <param name="Attempt">The attempt concerned, if any.</param>
/// <param name="Message">Human-readable detail.</param>
/// <param name="At">When.</param>
public sealed record RunLogEntry(string Type, string? TaskId, int? Attempt, string? Message, DateTimeOffset At);

/// <summary>Result of applying one event: the new state, the commands to execute, and audit log entries.</summary>
public sealed record Transition(RunState State, IReadOnlyList<RunCommand> Commands, IReadOnlyList<RunLogEntry> Log)
{
    /// <summary>True when the event did not apply (stale, duplicate, or after the run ended): <see cref="State"/> is the input state, unchanged.</summary>
    public bool Ignored { get; init; }
}
