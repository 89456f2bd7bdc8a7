namespace Loom.Core.Engine;

/// <summary>Start a durable timer; the driver answers with <see cref="TimerFired"/> at or after <paramref name="FireAt"/>.</summary>
public sealed record StartTimer(TimerPurpose Purpose, string? TaskId, int Attempt, DateTimeOffset FireAt) : RunCommand;
