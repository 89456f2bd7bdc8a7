using Azure.Data.Tables;
using Loom.Core.Stores;

namespace Loom.Storage.Stores;

/// <summary>The run store's retention side: expired-run candidates from the listing index, and purges a crash cannot leave half-visible.</summary>
/// <remarks>
/// <para>Candidates come from the per-workflow index (<c>w|{workflow}|{newest-first ticks}|{run}</c>): the runs created before a
/// cutoff are one key range of it, read a page at a time, so a sweep never scans the table.</para>
/// <para>A purge begins with one entity group transaction in the index partition that inserts the purge record
/// <c>p|{run}</c> and deletes the run's two listing rows: the run leaves every listing at once, and the record says what is
/// left to delete. Then the run's partition goes (events and attempts first, the run row in the last transaction: most runs
/// have under 100 rows, so that is one atomic write), and the record last. A crash anywhere leaves the record, and the next
/// sweep completes the purge from it.</para>
/// </remarks>
public sealed partial class TableRunStore : IRunRetentionStore
{
    private const string PurgePrefix = "p|";

    /// <inheritdoc />
    public async Task<Page<RunRecord>> ListCreatedBeforeAsync(string workflowId, DateTimeOffset createdBefore, int limit, string? continuation = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflowId);
        var prefix = $"w|{TableKey.Encode(workflowId, PartLength)}|";
        // Keys sort newest first, so "created before" is a lower bound on the row key.
        var lower = prefix + TableKey.NewestFirst(createdBefore);
        var upper = prefix[..^1] + "}";
        var after = DecodeContinuation(continuation);
        if (after is not null && !after.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new ArgumentException("The continuation token belongs to another listing.", nameof(continuation));
        }

        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {IndexPartition} and RowKey ge {lower} and RowKey lt {upper}");
        if (after is not null) filter += " and " + TableClient.CreateQueryFilter($"RowKey gt {after}");
        var page = await FirstPageAsync(filter, ["RowKey", "RunId", "CreatedAt"], Math.Clamp(limit, 1, 1000), cancellationToken).ConfigureAwait(false);
        var rows = page?.Values ?? [];
        var runs = await ReadRunsAsync(rows, cancellationToken).ConfigureAwait(false);
        var items = new List<RunRecord>();
        for (var i = 0; i < rows.Count; i++)
        {
            // An index row whose create never completed (or belongs to an earlier run of the same id) is not this run.
            if (runs[i] is { } run && run.CreatedAt.UtcTicks == rows[i].GetDateTimeOffset("CreatedAt")?.UtcTicks) items.Add(run);
        }

        var more = page?.ContinuationToken is not null && rows.Count > 0;
        return new Page<RunRecord>(items, more ? EncodeContinuation(rows[^1].RowKey) : null);
    }

    /// <inheritdoc />
    public async Task<RunPurge> BeginPurgeAsync(RunRecord run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var purge = new RunPurge(run.RunId, run.WorkflowId, run.CreatedAt, run.FinishedAt);
        var marker = PurgeRow(purge);
        var listings = ListingRowKeys(purge);
        try
        {
            await _table.SubmitAsync(
                [new TableTransactionAction(TableTransactionActionType.UpsertReplace, marker),
                 .. listings.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(IndexPartition, key), Azure.ETag.All))],
                cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.EntityNotFound)
        {
            // A listing row is gone already (another sweep is purging the same run): the record first, then what is left.
            await _table.UpsertAsync(marker, cancellationToken).ConfigureAwait(false);
            foreach (var key in listings) await _table.DeleteAsync(IndexPartition, key, "*", cancellationToken).ConfigureAwait(false);
        }

        // Usually gone since the run finished; a final run that kept commands is never expired, so this is a lost earlier delete.
        if (_options.OpenRunIndex) await _table.DeleteAsync(IndexPartition, $"o|{TableKey.Encode(run.RunId, PartLength)}", "*", cancellationToken).ConfigureAwait(false);
        return purge;
    }

    /// <inheritdoc />
    public async Task<int> PurgeAsync(RunPurge purge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purge);
        var partition = RunPartition.Key(purge.RunId);
        var runRow = RunPartition.RunRow(purge.RunId);
        var history = new List<string>();
        var hasRunRow = false;
        await foreach (var row in _table.QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), ["RowKey"], cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey == runRow) hasRunRow = true;
            else history.Add(row.RowKey);
        }

        // The run row goes in the last transaction: until it is gone the run reads as it was, never as a row whose history vanished first.
        var keys = hasRunRow ? [.. history, runRow] : history;
        var deleted = 0;
        foreach (var chunk in keys.Chunk(TableLimits.MaxTransactionActions))
        {
            try
            {
                await _table.SubmitAsync(
                    [.. chunk.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, key), Azure.ETag.All))],
                    cancellationToken).ConfigureAwait(false);
                deleted += chunk.Length;
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.EntityNotFound)
            {
                // Another sweep deleted some of them meanwhile: one by one, counting what this one deleted.
                foreach (var key in chunk)
                {
                    if (await _table.DeleteAsync(partition, key, "*", cancellationToken).ConfigureAwait(false)) deleted++;
                }
            }
        }

        await _table.DeleteAsync(IndexPartition, PurgeRow(purge).RowKey, "*", cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RunPurge>> ListPurgesAsync(int limit, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {IndexPartition} and RowKey ge {PurgePrefix} and RowKey lt {"p}"}");
        var page = await FirstPageAsync(filter, null, Math.Clamp(limit, 1, 1000), cancellationToken).ConfigureAwait(false);
        return [.. (page?.Values ?? []).Select(row => new RunPurge(
            row.GetString("RunId") ?? "", row.GetString("WorkflowId") ?? "", row.GetDateTimeOffset("CreatedAt") ?? default, row.GetDateTimeOffset("FinishedAt")))
            .Where(p => p.RunId.Length > 0)];
    }

    private async Task<Azure.Page<TableEntity>?> FirstPageAsync(string filter, IEnumerable<string>? select, int top, CancellationToken cancellationToken)
    {
        await foreach (var page in _table.QueryPagesAsync(filter, select, top, cancellationToken).ConfigureAwait(false))
        {
            return page;
        }

        return null;
    }

    private static TableEntity PurgeRow(RunPurge purge) => new(IndexPartition, PurgePrefix + TableKey.Encode(purge.RunId, PartLength))
    {
        ["RunId"] = purge.RunId,
        ["WorkflowId"] = purge.WorkflowId,
        ["CreatedAt"] = purge.CreatedAt,
        ["FinishedAt"] = purge.FinishedAt,
    };

    /// <summary>The run's rows in the all-runs and per-workflow listings (the keys <see cref="CreateAsync(RunRecord, RunHistory, CancellationToken)"/> wrote).</summary>
    private static string[] ListingRowKeys(RunPurge purge)
    {
        var runKey = TableKey.Encode(purge.RunId, PartLength);
        var ticks = TableKey.NewestFirst(purge.CreatedAt);
        return [$"a|{ticks}|{runKey}", $"w|{TableKey.Encode(purge.WorkflowId, PartLength)}|{ticks}|{runKey}"];
    }
}
