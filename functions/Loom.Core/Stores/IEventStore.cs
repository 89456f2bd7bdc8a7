namespace Loom.Core.Stores;

/// <summary>Append-only event log per run.</summary>
public interface IEventStore
{
    /// <summary>Appends events; an event id already stored is left as it is.</summary>
    Task AppendAsync(IReadOnlyList<RunEventRecord> events, CancellationToken cancellationToken = default);

    /// <summary>Events of a run in sequence order.</summary>
    Task<IReadOnlyList<RunEventRecord>> ListAsync(string runId, CancellationToken cancellationToken = default);
}
