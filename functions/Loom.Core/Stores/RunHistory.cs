namespace Loom.Core.Stores;

/// <summary>The history rows written with a run change: event-log rows and attempt rows.</summary>
/// <param name="Events">Event-log rows (an event id or sequence already stored is left as it is).</param>
/// <param name="Attempts">Attempt rows (the same run/task/attempt again replaces the row).</param>
public sealed record RunHistory(IReadOnlyList<RunEventRecord> Events, IReadOnlyList<AttemptRecord> Attempts)
{
    /// <summary>No history.</summary>
    public static RunHistory None { get; } = new([], []);

    /// <summary>True when there is nothing to write.</summary>
    public bool IsEmpty => Events.Count == 0 && Attempts.Count == 0;
}
