using Loom.Core.Definitions;

namespace Loom.Core.Engine;

/// <summary>A notification a run owes until its sending is reported (sent, or failed for good): kept in the run's state, so a crash cannot lose it.</summary>
/// <param name="Key">Unique within the run: <c>failure</c>, <c>success</c>, <c>slaMiss</c> or <c>slaMiss:TASK</c>, with <c>#N</c> after the N-th redrive.</param>
/// <param name="Kind">What it reports.</param>
/// <param name="TaskId">The task that missed its sla; null for the run.</param>
/// <param name="At">When the outcome happened.</param>
public sealed record Notice(string Key, NotifyKind Kind, string? TaskId, DateTimeOffset At)
{
    /// <summary>The notification's id: the same on every try and from every host, so a receiver can drop repeats.</summary>
    /// <param name="runId">The run.</param>
    public string IdFor(string runId) => $"{runId}:{Key}";
}
