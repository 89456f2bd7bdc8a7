namespace Loom.Core.Engine;

/// <summary>Something that happened to a run; the only input of the state machine. Time comes in on the event.</summary>
/// <param name="At">When it happened (the driver's clock, or the orchestration's replay-safe clock).</param>
public abstract record RunEvent(DateTimeOffset At);
