namespace Loom.Core.Engine;

/// <summary>An HTTP attempt ended with an outcome.</summary>
public sealed record AttemptCompleted(string TaskId, int Attempt, AttemptOutcome Outcome, DateTimeOffset At) : RunEvent(At);
