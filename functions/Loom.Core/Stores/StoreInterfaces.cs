namespace Loom.Core.Stores;

/// <summary>Workflow definitions: immutable versions plus a head row per workflow.</summary>
public interface IWorkflowStore
{
    /// <summary>Stores a new version unless the current version has the same content hash; un-deletes a deleted workflow.</summary>
    Task<RegisterOutcome> RegisterAsync(string workflowId, string contentHash, string source, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The head row, or null when the workflow was never registered.</summary>
    Task<WorkflowHead?> GetHeadAsync(string workflowId, CancellationToken cancellationToken = default);

    /// <summary>One version, or null.</summary>
    Task<WorkflowVersionRecord?> GetVersionAsync(string workflowId, int version, CancellationToken cancellationToken = default);

    /// <summary>All versions, oldest first.</summary>
    Task<IReadOnlyList<WorkflowVersionRecord>> ListVersionsAsync(string workflowId, CancellationToken cancellationToken = default);

    /// <summary>All heads, deleted ones included only when asked.</summary>
    Task<IReadOnlyList<WorkflowHead>> ListHeadsAsync(bool includeDeleted = false, CancellationToken cancellationToken = default);

    /// <summary>Sets the paused flag; false when the workflow does not exist.</summary>
    Task<bool> SetPausedAsync(string workflowId, bool paused, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Marks the workflow deleted (history kept); false when it does not exist.</summary>
    Task<bool> DeleteAsync(string workflowId, DateTimeOffset now, CancellationToken cancellationToken = default);
}

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

/// <summary>History of HTTP attempts.</summary>
public interface IAttemptStore
{
    /// <summary>Records an attempt; recording the same run/task/attempt again replaces it.</summary>
    Task PutAsync(AttemptRecord attempt, CancellationToken cancellationToken = default);

    /// <summary>Attempts of one task, in attempt order; all tasks when <paramref name="taskId"/> is null.</summary>
    Task<IReadOnlyList<AttemptRecord>> ListAsync(string runId, string? taskId, CancellationToken cancellationToken = default);
}

/// <summary>Append-only event log per run.</summary>
public interface IEventStore
{
    /// <summary>Appends events; an event id already stored is left as it is.</summary>
    Task AppendAsync(IReadOnlyList<RunEventRecord> events, CancellationToken cancellationToken = default);

    /// <summary>Events of a run in sequence order.</summary>
    Task<IReadOnlyList<RunEventRecord>> ListAsync(string runId, CancellationToken cancellationToken = default);
}

/// <summary>Scheduler bookkeeping with optimistic concurrency.</summary>
public interface ISchedulerStateStore
{
    /// <summary>The state, or null when the workflow was never evaluated.</summary>
    Task<SchedulerState?> GetAsync(string workflowId, CancellationToken cancellationToken = default);

    /// <summary>Writes the state if its ETag matches (null ETag: only if absent); false when another writer got there first.</summary>
    Task<bool> TrySaveAsync(SchedulerState state, CancellationToken cancellationToken = default);

    /// <summary>The workflow's backfill under way, or null.</summary>
    Task<BackfillQueue?> GetBackfillAsync(string workflowId, CancellationToken cancellationToken = default);

    /// <summary>Writes the backfill if its ETag matches (null ETag: only if absent); false when another writer got there first.</summary>
    Task<bool> TrySaveBackfillAsync(BackfillQueue queue, CancellationToken cancellationToken = default);

    /// <summary>Removes the backfill (finished or cancelled) if its ETag matches (null: whatever is stored); false when it changed or is gone.</summary>
    Task<bool> TryDeleteBackfillAsync(string workflowId, string? etag, CancellationToken cancellationToken = default);
}

/// <summary>Thrown when a stored item changed since it was read.</summary>
public sealed class StoreConcurrencyException(string message) : Exception(message);

/// <summary>Thrown when an item that must be new already exists.</summary>
public sealed class StoreConflictException(string message) : Exception(message);
