namespace Loom.Core.Stores;

/// <summary>
/// What the retention sweep needs from the run store: candidates found through an index (never a scan of every run), and a
/// deletion that a crash cannot leave half-visible: <see cref="BeginPurgeAsync"/> records the purge and hides the run from
/// every listing at once, <see cref="PurgeAsync"/> deletes the rest with the run row last, and a purge a crash cut short is
/// listed by <see cref="ListPurgesAsync"/> until it is completed.
/// </summary>
public interface IRunRetentionStore
{
    /// <summary>
    /// Runs of one workflow created before <paramref name="createdBefore"/> (a run finishes after it is created, so every run
    /// that finished before it is among them), newest first, at most <paramref name="limit"/> per page.
    /// </summary>
    Task<Page<RunRecord>> ListCreatedBeforeAsync(string workflowId, DateTimeOffset createdBefore, int limit, string? continuation = null,
        CancellationToken cancellationToken = default);

    /// <summary>Records that <paramref name="run"/> is being deleted and removes it from every listing, in one atomic write where the store can.</summary>
    Task<RunPurge> BeginPurgeAsync(RunRecord run, CancellationToken cancellationToken = default);

    /// <summary>Deletes the run's history (events, attempts), then the run itself, then the purge record; every step may be repeated.</summary>
    /// <returns>The rows deleted (run row, events and attempts).</returns>
    Task<int> PurgeAsync(RunPurge purge, CancellationToken cancellationToken = default);

    /// <summary>Purges begun and not completed (a crash or a failure cut them short), at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<RunPurge>> ListPurgesAsync(int limit, CancellationToken cancellationToken = default);
}
