namespace Loom.Core.Statistics;

/// <summary>One task's aggregate in a bucket: how often it ran to an end, failed and retried, and its durations.</summary>
public sealed class TaskStatsEntry
{
    /// <summary>Runs in which the task ran to an end.</summary>
    public long Count { get; set; }

    /// <summary>Of those, the ones where it failed for good.</summary>
    public long Failed { get; set; }

    /// <summary>Its attempts after the first, summed.</summary>
    public long Retries { get; set; }

    /// <summary>Its durations.</summary>
    public DurationHistogram Durations { get; init; } = new();

    /// <summary>Adds another entry's counts.</summary>
    /// <param name="other">Another entry of the same task.</param>
    public void Merge(TaskStatsEntry other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Count += other.Count;
        Failed += other.Failed;
        Retries += other.Retries;
        Durations.Merge(other.Durations);
    }
}
