using System.Text;
using Azure.Data.Tables;
using Loom.Core.Stores;

namespace Loom.Storage.Stores;

/// <summary>Runs in Table storage: one row per run, keyed by run id, plus an immutable listing index.</summary>
/// <remarks>
/// <para>The run row (PartitionKey = encoded run id, RowKey: the run key and "run", see <see cref="RunPartition"/>) is the only row a state change touches: an update is one
/// conditional replace on its ETag, whatever the status does. Listings come from index rows in one partition ("$ix") written
/// once, in one entity group transaction, before the run row is inserted:
/// <c>a|{newest-first ticks}|{run}</c> (all runs), <c>w|{workflow}|{newest-first ticks}|{run}</c> (per workflow) and
/// <c>o|{run}</c> (runs that may still owe commands). Their keys hold only what never changes (run id, workflow id, creation
/// time), so they never go stale; a listing reads a page of index rows and then the runs themselves (point reads in parallel),
/// and applies the status filter to the real rows. An index row whose run is missing or was created at another instant (a
/// failed or duplicate create) is skipped.</para>
/// <para>The <c>o|</c> row is deleted when an update leaves the run final with an empty outbox, so the recovery sweep reads only
/// live runs; the sweep also removes rows it finds stale. A host without a recovery sweep keeps no <c>o|</c> rows at all
/// (<see cref="TableStoreOptions.OpenRunIndex"/>).</para>
/// <para>A run's events and attempts live in the run's own partition (<see cref="TableEventStore"/>, <see cref="TableAttemptStore"/>),
/// so a change and the history that explains it are one entity group transaction: one storage request, and a committed state
/// never lacks its events. History too large for one transaction (100 operations, 4 MiB) goes in follow-up writes.</para>
/// </remarks>
public sealed partial class TableRunStore(TableServiceClient service, TableStoreOptions? options = null) : IRunStore
{
    // A transaction carries at most 4 MiB; history beyond this estimate goes in follow-up writes after the commit.
    private const long TransactionBudgetBytes = 3L * 1024 * 1024;
    private const string IndexPartition = "$ix";
    private const int ReadParallelism = 16;

    // Index row keys join a workflow key, 19 digits and a run key within the 512-character limit.
    private const int PartLength = 240;
    private static readonly TimeSpan OrphanGrace = TimeSpan.FromMinutes(5);
    private readonly TableStoreOptions _options = options ?? new TableStoreOptions();
    private readonly LoomTable _table = new(service, (options ?? new TableStoreOptions()).RunsTable);

    /// <summary>True for the statuses after which a run changes no more.</summary>
    public static bool IsFinal(string status) => Loom.Core.Engine.RunStatuses.IsFinal(status);

    /// <inheritdoc />
    public Task<RunRecord> CreateAsync(RunRecord run, CancellationToken cancellationToken = default) => CreateAsync(run, RunHistory.None, cancellationToken);

    /// <inheritdoc />
    public async Task<RunRecord> CreateAsync(RunRecord run, RunHistory history, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(history);
        var entity = ToEntity(run);
        TableLimits.Prepare(entity);

        // Index first: a crash in between leaves an index row without a run, which listings skip; never a run nobody can find.
        var runKey = TableKey.Encode(run.RunId, PartLength);
        var ticks = TableKey.NewestFirst(run.CreatedAt);
        var indexRows = new List<TableEntity>
        {
            IndexRow($"a|{ticks}|{runKey}", run),
            IndexRow($"w|{TableKey.Encode(run.WorkflowId, PartLength)}|{ticks}|{runKey}", run),
        };
        if (_options.OpenRunIndex) indexRows.Add(IndexRow($"o|{runKey}", run));
        await _table.SubmitAsync(
            [.. indexRows.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r))], cancellationToken).ConfigureAwait(false);
        var (inCommit, afterCommit) = SplitHistory(entity, history);
        string etag;
        try
        {
            etag = inCommit.Count == 0
                ? await _table.AddAsync(entity, cancellationToken).ConfigureAwait(false)
                : (await _table.SubmitAsync([new TableTransactionAction(TableTransactionActionType.Add, entity), .. inCommit], cancellationToken).ConfigureAwait(false))[0];
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.Conflict)
        {
            // The run row exists (a history row cannot: it would belong to a run that was never created).
            throw new StoreConflictException($"Run '{run.RunId}' already exists.");
        }

        await WriteHistoryAsync(afterCommit, cancellationToken).ConfigureAwait(false);
        return run with { ETag = etag };
    }

    /// <inheritdoc />
    public async Task<RunRecord?> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        var row = await _table.GetAsync(RunPartition.Key(runId), RunPartition.RunRow(runId), cancellationToken).ConfigureAwait(false);
        return row is null ? null : FromEntity(row);
    }

    /// <inheritdoc />
    public Task<RunRecord> UpdateAsync(RunRecord run, CancellationToken cancellationToken = default) => UpdateAsync(run, RunHistory.None, cancellationToken);

    /// <inheritdoc />
    public async Task<RunRecord> UpdateAsync(RunRecord run, RunHistory history, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(history);
        if (string.IsNullOrEmpty(run.ETag))
        {
            throw new StoreConcurrencyException($"Run '{run.RunId}' has no ETag: read it before updating it.");
        }

        var entity = ToEntity(run);
        var (inCommit, afterCommit) = SplitHistory(entity, history);
        string etag;
        try
        {
            etag = inCommit.Count == 0
                ? await _table.UpdateAsync(entity, run.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false)
                : (await _table.SubmitAsync(
                    [new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, new Azure.ETag(run.ETag)), .. inCommit], cancellationToken).ConfigureAwait(false))[0];
        }
        catch (StorageException e) when (e.Kind is StorageErrorKind.PreconditionFailed or StorageErrorKind.EntityNotFound)
        {
            throw new StoreConcurrencyException($"Run '{run.RunId}' changed since it was read (ETag {run.ETag}).");
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.Conflict)
        {
            // An event row is already there (appended outside a commit): commit the row alone, then add what is missing one by one.
            var stored = await UpdateAsync(run, RunHistory.None, cancellationToken).ConfigureAwait(false);
            await WriteHistoryAsync([.. inCommit, .. afterCommit], cancellationToken).ConfigureAwait(false);
            return stored;
        }

        await WriteHistoryAsync(afterCommit, cancellationToken).ConfigureAwait(false);
        var runKey = TableKey.Encode(run.RunId, PartLength);
        if (!_options.OpenRunIndex)
        {
            // No recovery sweep reads the index, so there is no row to drop or keep.
            return run with { ETag = etag };
        }

        if (IsFinal(run.Status) && string.IsNullOrEmpty(run.Outbox))
        {
            // Done for good: drop it from the recovery sweep. Losing this write only costs the sweep one read later.
            await _table.DeleteAsync(IndexPartition, $"o|{runKey}", "*", cancellationToken).ConfigureAwait(false);
        }
        else if (IsFinal(run.Status))
        {
            // A final run that still owes commands must stay visible to the sweep (it may have been dropped by an earlier update).
            await _table.UpsertAsync(IndexRow($"o|{runKey}", run), cancellationToken).ConfigureAwait(false);
        }

        return run with { ETag = etag };
    }

    /// <summary>Splits history rows into those that fit beside the run row in one transaction and the rest, in order.</summary>
    private (List<TableTransactionAction> InCommit, List<TableTransactionAction> AfterCommit) SplitHistory(TableEntity runRow, RunHistory history)
    {
        if (history.Events.FirstOrDefault(e => RunPartition.Key(e.RunId) != runRow.PartitionKey) is { } stray)
        {
            throw new ArgumentException($"Event {stray.Sequence} belongs to another run ('{stray.RunId}') than '{runRow.GetString("RunId")}'.", nameof(history));
        }

        // The commit's events share rows (usually one): each row is a sub-request of the transaction, costly on both ends.
        var actions = EventRows.ToEntities(TableEventStore.Distinct(history.Events))
            .Select(e => new TableTransactionAction(TableTransactionActionType.Add, e))
            .Concat(history.Attempts.Select(a => new TableTransactionAction(TableTransactionActionType.UpsertReplace, TableAttemptStore.ToEntity(a, _options))));
        var inCommit = new List<TableTransactionAction>();
        var afterCommit = new List<TableTransactionAction>();
        var bytes = EstimateBytes(runRow);
        foreach (var action in actions)
        {
            if (action.Entity.PartitionKey != runRow.PartitionKey)
            {
                throw new ArgumentException($"History row {action.Entity.RowKey} belongs to another run than '{runRow.GetString("RunId")}'.", nameof(history));
            }

            bytes += EstimateBytes((TableEntity)action.Entity);
            if (afterCommit.Count == 0 && inCommit.Count < TableLimits.MaxTransactionActions - 1 && bytes <= TransactionBudgetBytes)
            {
                inCommit.Add(action);
            }
            else
            {
                afterCommit.Add(action);
            }
        }

        return (inCommit, afterCommit);
    }

    /// <summary>Writes history rows that did not go in a commit's transaction, batched; an event already stored is kept.</summary>
    private async Task WriteHistoryAsync(List<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        var bytes = 0L;
        var batch = new List<TableTransactionAction>();
        foreach (var action in actions)
        {
            var size = EstimateBytes((TableEntity)action.Entity);
            if (batch.Count == TableLimits.MaxTransactionActions || (batch.Count > 0 && bytes + size > TransactionBudgetBytes))
            {
                await WriteBatchAsync(batch, cancellationToken).ConfigureAwait(false);
                batch.Clear();
                bytes = 0;
            }

            batch.Add(action);
            bytes += size;
        }

        await WriteBatchAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteBatchAsync(List<TableTransactionAction> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            await _table.SubmitAsync(batch, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.Conflict)
        {
            // Some rows were written before (a retried write): go one by one and keep what is there.
        }

        foreach (var action in batch)
        {
            var entity = (TableEntity)action.Entity;
            if (action.ActionType != TableTransactionActionType.Add)
            {
                await _table.UpsertAsync(entity, cancellationToken).ConfigureAwait(false);
                continue;
            }

            try
            {
                await _table.AddAsync(entity, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.Conflict)
            {
                // An event row with this key is stored; its events may still be missing under other keys (rows group differently).
                var events = EventRows.FromEntity(entity, entity.GetString("RunId") ?? "").ToList();
                await TableEventStore.AppendMissingAsync(_table, events[0].RunId, events, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // UTF-8 takes at most 3 bytes per UTF-16 char; JSON escaping and the multipart framing add a little per property.
    private static long EstimateBytes(TableEntity entity) =>
        512 + entity.Sum(p => 64 + (p.Key.Length * 3) + (p.Value is string text ? text.Length * 3L : 32));

    /// <inheritdoc />
    public async Task<Page<RunRecord>> ListAsync(RunQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, 1000);
        var prefix = query.WorkflowId is null ? "a|" : $"w|{TableKey.Encode(query.WorkflowId, PartLength)}|";

        // Keys sort newest first, so "created at or after Since" is an upper bound on the row key.
        var upper = query.Since is { } since ? prefix + TableKey.NewestFirst(since) + "}" : prefix[..^1] + "}";
        var after = DecodeContinuation(query.Continuation);
        if (after is not null && !after.StartsWith(prefix, StringComparison.Ordinal))
        {
            // A token from another listing (another workflow, or all runs) would continue in the wrong part of the index.
            throw new ArgumentException("The continuation token belongs to another listing.", nameof(query));
        }

        var filter = after is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {IndexPartition} and RowKey ge {prefix} and RowKey lt {upper}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {IndexPartition} and RowKey gt {after} and RowKey lt {upper}");

        var items = new List<RunRecord>();
        var scanned = 0;
        var scanBudget = Math.Max(limit, 1000);

        // Without a status filter each index row is (almost always) one result: fetch one more than needed to know whether a next page exists.
        var top = query.Status is null ? Math.Min(1000, limit + 1) : 1000;
        await foreach (var page in _table.QueryPagesAsync(filter, ["RowKey", "RunId", "CreatedAt"], top, cancellationToken).ConfigureAwait(false))
        {
            var rows = page.Values;
            var position = 0;
            while (position < rows.Count)
            {
                // Read only as many runs as could still fit the page (at least a few, since a status filter may skip some).
                var chunk = rows.Skip(position).Take(Math.Max(limit - items.Count, query.Status is null ? 1 : 16)).ToList();
                var runs = await ReadRunsAsync(chunk, cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < chunk.Count; i++)
                {
                    var index = chunk[i];
                    scanned++;
                    var run = runs[i];
                    if (run is not null && run.CreatedAt.UtcTicks == index.GetDateTimeOffset("CreatedAt")?.UtcTicks
                        && (query.Status is null || string.Equals(run.Status, query.Status, StringComparison.OrdinalIgnoreCase)))
                    {
                        items.Add(run);
                    }

                    var more = position + i < rows.Count - 1 || page.ContinuationToken is not null;
                    if (items.Count == limit || (scanned >= scanBudget && more))
                    {
                        return new Page<RunRecord>(items, more ? EncodeContinuation(index.RowKey) : null);
                    }
                }

                position += chunk.Count;
            }
        }

        return new Page<RunRecord>(items, null);
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The store keeps no open-run index (<see cref="TableStoreOptions.OpenRunIndex"/> is off).</exception>
    public async Task<Page<RunRecord>> ListWithOutboxAsync(int pageSize, string? continuation = null, CancellationToken cancellationToken = default)
    {
        if (!_options.OpenRunIndex)
        {
            throw new InvalidOperationException("This run store keeps no open-run index (TableStoreOptions.OpenRunIndex is off): nothing can list the runs that owe commands.");
        }

        var after = DecodeContinuation(continuation);
        var filter = after is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {IndexPartition} and RowKey ge {"o|"} and RowKey lt {"o}"}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {IndexPartition} and RowKey gt {after} and RowKey lt {"o}"}");
        var pages = _table.QueryPagesAsync(filter, ["RowKey", "RunId", "Timestamp"], Math.Clamp(pageSize, 1, 1000), cancellationToken);
        Azure.Page<TableEntity>? page = null;
        await foreach (var first in pages.ConfigureAwait(false))
        {
            page = first;
            break;
        }

        var rows = page?.Values ?? [];
        var runs = await ReadRunsAsync(rows, cancellationToken).ConfigureAwait(false);
        var result = new List<RunRecord>();
        for (var i = 0; i < rows.Count; i++)
        {
            var index = rows[i];
            var run = runs[i];
            if (run is not null && !string.IsNullOrEmpty(run.Outbox))
            {
                result.Add(run);
            }
            else if (run is not null ? IsFinal(run.Status) : index.Timestamp < _options.TimeProvider.GetUtcNow() - OrphanGrace)
            {
                // Self-heal: a final run without commands, or an index row whose create never completed.
                try
                {
                    await _table.DeleteAsync(IndexPartition, index.RowKey, index.ETag == default ? "*" : index.ETag.ToString(), cancellationToken).ConfigureAwait(false);
                }
                catch (StorageException e) when (e.Kind is StorageErrorKind.PreconditionFailed or StorageErrorKind.EntityNotFound)
                {
                    // Rewritten meanwhile (the run owes commands again), or already gone: keep it / nothing to do.
                }
            }
        }

        var more = page?.ContinuationToken is not null && rows.Count > 0;
        return new Page<RunRecord>(result, more ? EncodeContinuation(rows[^1].RowKey) : null);
    }

    private async Task<RunRecord?[]> ReadRunsAsync(IReadOnlyList<TableEntity> indexRows, CancellationToken cancellationToken)
    {
        var results = new RunRecord?[indexRows.Count];
        using var gate = new SemaphoreSlim(ReadParallelism);
        await Task.WhenAll(indexRows.Select(async (row, i) =>
        {
            var runId = row.GetString("RunId");
            if (runId is null)
            {
                return;
            }

            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                results[i] = await GetAsync(runId, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        return results;
    }

    private static TableEntity IndexRow(string rowKey, RunRecord run) => new(IndexPartition, rowKey)
    {
        ["RunId"] = run.RunId,
        ["WorkflowId"] = run.WorkflowId,
        ["CreatedAt"] = run.CreatedAt,
    };

    private static TableEntity ToEntity(RunRecord run)
    {
        var entity = new TableEntity(RunPartition.Key(run.RunId), RunPartition.RunRow(run.RunId))
        {
            ["RunId"] = run.RunId,
            ["WorkflowId"] = run.WorkflowId,
            ["WorkflowVersion"] = run.WorkflowVersion,
            ["Status"] = run.Status,
            ["CreatedAt"] = run.CreatedAt,
            ["ScheduledAt"] = run.ScheduledAt,
            ["FinishedAt"] = run.FinishedAt,
            ["Trigger"] = run.Trigger,
            ["HasOutbox"] = !string.IsNullOrEmpty(run.Outbox),
        };
        LargeText.Write(entity, "State", run.State);
        LargeText.Write(entity, "Outbox", run.Outbox);
        return entity;
    }

    private static RunRecord FromEntity(TableEntity row) => new()
    {
        RunId = row.GetString("RunId") ?? TableKey.Decode(row.PartitionKey),
        WorkflowId = row.GetString("WorkflowId") ?? "",
        WorkflowVersion = row.GetInt32("WorkflowVersion") ?? 0,
        Status = row.GetString("Status") ?? "",
        CreatedAt = row.GetDateTimeOffset("CreatedAt") ?? default,
        ScheduledAt = row.GetDateTimeOffset("ScheduledAt"),
        FinishedAt = row.GetDateTimeOffset("FinishedAt"),
        Trigger = row.GetString("Trigger") ?? "manual",
        State = LargeText.Read(row, "State") ?? "",
        Outbox = LargeText.Read(row, "Outbox") ?? "",
        ETag = row.ETag.ToString(),
    };

    private static string EncodeContinuation(string rowKey) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("1:" + rowKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? DecodeContinuation(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            if (text.StartsWith("1:", StringComparison.Ordinal))
            {
                return text[2..];
            }
        }
        catch (FormatException)
        {
        }

        throw new ArgumentException("The continuation token is not one this store issued.", nameof(token));
    }
}
