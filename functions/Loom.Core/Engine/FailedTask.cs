namespace Loom.Core.Engine;

/// <summary>A task that failed for good, as a notification lists it.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="Reason">The last error.</param>
/// <param name="AllowFailure">True when its failure does not fail the run.</param>
public sealed record FailedTask(string TaskId, int Attempts, string? Reason, bool AllowFailure);
