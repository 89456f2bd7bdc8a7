namespace Loom.Core.Engine;

/// <summary>An entry for the run's audit log, produced by a transition.</summary>
/// <param name="Type">e.g. RunStarted, TaskStarted, TaskRetrying, TaskSucceeded, TaskFailed, TaskSkipped, RunSucceeded.</param>
/// <param name="TaskId">The task concerned, if any.</param>
/// <param name="Attempt">The attempt concerned, if any.</param>
/// <param name="Message">Human-readable detail.</param>
/// <param name="At">When.</param>
public sealed record RunLogEntry(string Type, string? TaskId, int? Attempt, string? Message, DateTimeOffset At);
