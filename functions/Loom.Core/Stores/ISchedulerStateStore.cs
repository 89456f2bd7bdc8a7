namespace Loom.Core.Stores;

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
