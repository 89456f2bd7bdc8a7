namespace Loom.Core.Engine;

/// <summary>
/// The driver cannot store the run's next state, for a reason that would not go away on a retry (storage refuses it): the run
/// fails with <paramref name="Reason"/>, from the last state that was stored, instead of waiting forever.
/// </summary>
public sealed record RunAborted(string Reason, DateTimeOffset At) : RunEvent(At);
