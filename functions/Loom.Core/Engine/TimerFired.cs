namespace Loom.Core.Engine;

/// <summary>A timer the machine asked for has fired.</summary>
public sealed record TimerFired(TimerPurpose Purpose, string? TaskId, int Attempt, DateTimeOffset At) : RunEvent(At);
