namespace Loom.Core.Engine;

/// <summary>The run begins: root tasks become eligible.</summary>
public sealed record RunStarted(DateTimeOffset At) : RunEvent(At);
