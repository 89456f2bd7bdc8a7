namespace Loom.Core.Stores;

/// <summary>Runs: the engine's state per run with optimistic concurrency, and listings.</summary>
public interface IRunStore
{
    /// <summary>Stores a new run; throws <see cref="StoreConflictException"/> when the id exists. Returns the record with its ETag.</summary>
    Task<RunRecord> CreateAsync(RunRecord run, CancellationToken cancellationToken = default);

    /// <summary>Point lookup by run id.</summary>
    Task<RunRecord?> GetAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the run if its ETag still matches; throws <see cref="StoreConcurrencyException"/> otherwise.</summary>
    Task<RunRecord> UpdateAsync(RunRecord run, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a new run together with the history that explains it (its first events), in one atomic write where the store can;
    /// throws <see cref="StoreConflictException"/> when the id exists.
    /// </summary>
    Task<RunRecord> CreateAsync(RunRecord run, RunHistory history, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the run if its ETag still matches (<see cref="StoreConcurrencyException"/> otherwise) and stores the history of the
    /// change (events, attempts) in the same atomic write where the store can, so a committed change never lacks its history.
    /// </summary>
    Task<RunRecord> UpdateAsync(RunRecord run, RunHistory history, CancellationToken cancellationToken = default);

    /// <summary>Newest-first listing.</summary>
    Task<Page<RunRecord>> ListAsync(RunQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs whose outbox is not empty (for recovery sweeps), one page at a time: a page examines at most <paramref name="pageSize"/>
    /// candidates, so it may hold fewer runs; pass its continuation for the next one until it is null.
    /// </summary>
    Task<Page<RunRecord>> ListWithOutboxAsync(int pageSize, string? continuation = null, CancellationToken cancellationToken = default);
}
