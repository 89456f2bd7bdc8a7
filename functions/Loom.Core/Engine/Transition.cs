namespace Loom.Core.Engine;

/// <summary>Result of applying one event: the new state, the commands to execute, and audit log entries.</summary>
public sealed record Transition(RunState State, IReadOnlyList<RunCommand> Commands, IReadOnlyList<RunLogEntry> Log)
{
    /// <summary>True when the event did not apply (stale, duplicate, or after the run ended): <see cref="State"/> is the input state, unchanged.</summary>
    public bool Ignored { get; init; }
}
