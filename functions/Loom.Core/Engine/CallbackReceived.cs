namespace Loom.Core.Engine;

/// <summary>The backend posted the result of a callback task's attempt.</summary>
public sealed record CallbackReceived(string TaskId, int Attempt, AttemptOutcome Outcome, DateTimeOffset At) : RunEvent(At);
