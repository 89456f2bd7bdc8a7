namespace Loom.Core.Stores;

/// <summary>Append-only event log per run.</summary>
public interface IEventStore
{
    /// <summary>Appends events; an event id already stored is left as it is.</summary>
    Task AppendAsync(IReadOnlyList<RunEventRecord> events, CancellationToken cancellationToken = default);

    /// <summary>Events of a run in sequence order.</summary>
    Task<IReadOnlyList<RunEventRecord>> ListAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The first <paramref name="limit"/> events of a run with a sequence above <paramref name="after"/> (-1: from the start), in
    /// sequence order. A reader following a log passes the last sequence it has, so it reads only what is new.
    /// </summary>
    /// <param name="runId">The run.</param>
    /// <param name="after">The sequence to read after; -1 for the whole log.</param>
    /// <param name="limit">Most events returned (at least 1).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    Task<IReadOnlyList<RunEventRecord>> ListAfterAsync(string runId, long after, int limit, CancellationToken cancellationToken = default);
}
