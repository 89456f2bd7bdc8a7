using Loom.Core.Definitions;
using Loom.Core.Stores;

namespace Loom.Core.Retention;

/// <summary>
/// Deletes finished runs past their retention, in bounded batches, run by both hosts' scheduler tick (the server's loop, the
/// Function App's Timer function). Each workflow's runs are found through the store's creation-time index from the workflow's
/// cutoff backwards, so a sweep reads only runs created before the cutoff: the expired ones, and the few that were still
/// running at the cutoff (created before it, finished after it), which stay until they expire too.
/// </summary>
/// <param name="workflows">The catalog (each workflow's <c>retentionDays:</c>); deleted workflows' runs are swept too.</param>
/// <param name="runs">The run store's retention side.</param>
/// <param name="deadLetters">The dead-letter store's retention side.</param>
/// <param name="hostDays">The host's <c>RetentionDays</c>; 0 keeps runs forever unless a workflow says otherwise.</param>
public sealed class RetentionSweep(WorkflowCatalog workflows, IRunRetentionStore runs, IDeadLetterRetentionStore deadLetters, int hostDays)
{
    /// <summary>Most runs one sweep deletes, so a tick stays short however much has expired; the next tick goes on.</summary>
    public int MaxRunsPerSweep { get; init; } = 200;

    /// <summary>Most candidate runs one sweep reads (expired or not), bounding its reads when many old runs are still live.</summary>
    public int MaxExaminedPerSweep { get; init; } = 2000;

    /// <summary>The host's retention in days.</summary>
    public int HostDays => hostDays;

    /// <summary>
    /// One sweep at <paramref name="now"/>: first completes deletions a crash cut short, then deletes expired runs workflow by
    /// workflow. A run is deleted in this order: the host's instance (<paramref name="instances"/>), the purge record together
    /// with the listing rows (one atomic write: the run leaves every listing at once and the record says where to resume), its
    /// dead letters, its events and attempts, the run row last, then the purge record.
    /// </summary>
    public async Task<RetentionResult> SweepAsync(DateTimeOffset now, IRunInstancePurger? instances = null, CancellationToken cancellationToken = default)
    {
        var deleted = new List<string>();
        var deferred = 0;
        var examined = 0;
        var rows = 0;
        foreach (var purge in await runs.ListPurgesAsync(MaxRunsPerSweep, cancellationToken))
        {
            if (instances is not null && !await instances.TryPurgeAsync(purge.RunId, cancellationToken))
            {
                deferred++;
                continue;
            }

            rows += await CompleteAsync(purge, cancellationToken);
            deleted.Add(purge.RunId);
        }

        foreach (var head in await workflows.Store.ListHeadsAsync(includeDeleted: true, cancellationToken))
        {
            if (deleted.Count >= MaxRunsPerSweep || examined >= MaxExaminedPerSweep) break;
            var definition = await workflows.GetAsync(head.WorkflowId, head.CurrentVersion, cancellationToken);
            if (RetentionPolicy.Cutoff(now, RetentionPolicy.DaysFor(definition?.RetentionDays, hostDays)) is not { } cutoff) continue;
            string? continuation = null;
            do
            {
                var page = await runs.ListCreatedBeforeAsync(head.WorkflowId, cutoff, Math.Min(100, MaxExaminedPerSweep - examined), continuation, cancellationToken);
                foreach (var run in page.Items)
                {
                    examined++;
                    if (!RetentionPolicy.IsExpired(run, cutoff)) continue;
                    if (instances is not null && !await instances.TryPurgeAsync(run.RunId, cancellationToken))
                    {
                        deferred++;
                        continue;
                    }

                    rows += await CompleteAsync(await runs.BeginPurgeAsync(run, cancellationToken), cancellationToken);
                    deleted.Add(run.RunId);
                    if (deleted.Count >= MaxRunsPerSweep) break;
                }

                continuation = page.Continuation;
            }
            while (continuation is not null && deleted.Count < MaxRunsPerSweep && examined < MaxExaminedPerSweep);
        }

        return new RetentionResult(deleted, deferred, examined, rows);
    }

    // Dead letters go before the run row, so none is left pointing at a run that no longer exists.
    private async Task<int> CompleteAsync(RunPurge purge, CancellationToken cancellationToken)
    {
        await deadLetters.DeleteForRunAsync(purge, cancellationToken);
        return await runs.PurgeAsync(purge, cancellationToken);
    }
}
