namespace Loom.Core.Stores;

/// <summary>
/// Dead letters: one record per task that failed for good and per run that failed without a failed task (a run timeout, a
/// change storage kept refusing). Ids are deterministic, so writing the same dead letter again (a retried save, a replay)
/// stores it once, and an acknowledged one is never brought back.
/// </summary>
public interface IDeadLetterStore
{
    /// <summary>Stores each record unless one with its id exists (acknowledged or not).</summary>
    Task AddAsync(IReadOnlyList<DeadLetterRecord> deadLetters, CancellationToken cancellationToken = default);

    /// <summary>Point lookup by id; acknowledged records too.</summary>
    Task<DeadLetterRecord?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Records not acknowledged yet, newest first, filtered and paged.</summary>
    Task<Page<DeadLetterRecord>> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken = default);

    /// <summary>Marks a record acknowledged by <paramref name="by"/>; the stored record, or null when there is none with that id.</summary>
    Task<DeadLetterRecord?> AcknowledgeAsync(string id, string by, DateTimeOffset at, CancellationToken cancellationToken = default);
}
