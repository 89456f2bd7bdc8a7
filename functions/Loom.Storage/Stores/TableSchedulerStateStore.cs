using System.Text.Json;
using Azure.Data.Tables;
using Loom.Core.Stores;

namespace Loom.Storage.Stores;

/// <summary>Scheduler state in Table storage: per workflow one row of scheduler state and, while one is under way, one row of backfill; written only if their ETag still matches.</summary>
public sealed class TableSchedulerStateStore(TableServiceClient service, TableStoreOptions? options = null) : ISchedulerStateStore
{
    private const string StateRow = "state";
    private const string BackfillRow = "backfill";
    private readonly LoomTable _table = new(service, (options ?? new TableStoreOptions()).SchedulerTable);

    /// <inheritdoc />
    public async Task<SchedulerState?> GetAsync(string workflowId, CancellationToken cancellationToken = default)
    {
        var row = await _table.GetAsync(TableKey.Encode(workflowId), StateRow, cancellationToken).ConfigureAwait(false);
        return row is null
            ? null
            : new SchedulerState(row.GetString("WorkflowId") ?? workflowId, row.GetDateTimeOffset("LastEvaluated") ?? default, row.ETag.ToString());
    }

    /// <inheritdoc />
    public async Task<bool> TrySaveAsync(SchedulerState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        var entity = new TableEntity(TableKey.Encode(state.WorkflowId), StateRow)
        {
            ["WorkflowId"] = state.WorkflowId,
            ["LastEvaluated"] = state.LastEvaluated,
        };
        return await TryWriteAsync(entity, state.ETag, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<BackfillQueue?> GetBackfillAsync(string workflowId, CancellationToken cancellationToken = default)
    {
        var row = await _table.GetAsync(TableKey.Encode(workflowId), BackfillRow, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }

        var pending = JsonSerializer.Deserialize<List<DateTimeOffset>>(LargeText.Read(row, "Pending") ?? "[]") ?? [];
        var active = JsonSerializer.Deserialize<List<string>>(LargeText.Read(row, "Active") ?? "[]") ?? [];
        return new BackfillQueue(row.GetString("WorkflowId") ?? workflowId, row.GetInt32("MaxConcurrent") ?? 1, LargeText.Read(row, "Params") ?? "{}", pending, active, row.ETag.ToString());
    }

    /// <inheritdoc />
    public async Task<bool> TrySaveBackfillAsync(BackfillQueue queue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var entity = new TableEntity(TableKey.Encode(queue.WorkflowId), BackfillRow)
        {
            ["WorkflowId"] = queue.WorkflowId,
            ["MaxConcurrent"] = queue.MaxConcurrent,
            ["PendingCount"] = queue.Pending.Count,
        };
        LargeText.Write(entity, "Pending", JsonSerializer.Serialize(queue.Pending));
        LargeText.Write(entity, "Active", JsonSerializer.Serialize(queue.Active));
        LargeText.Write(entity, "Params", queue.Params);
        return await TryWriteAsync(entity, queue.ETag, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> TryDeleteBackfillAsync(string workflowId, string? etag, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _table.DeleteAsync(TableKey.Encode(workflowId), BackfillRow, etag ?? "*", cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.PreconditionFailed)
        {
            return false;
        }
    }

    /// <summary>Inserts the row when <paramref name="etag"/> is null, else replaces it if the ETag still matches; false when another writer got there first.</summary>
    private async Task<bool> TryWriteAsync(TableEntity entity, string? etag, CancellationToken cancellationToken)
    {
        try
        {
            if (etag is null)
            {
                await _table.AddAsync(entity, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _table.UpdateAsync(entity, etag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (StorageException e) when (e.Kind is StorageErrorKind.Conflict or StorageErrorKind.PreconditionFailed or StorageErrorKind.EntityNotFound)
        {
            return false;
        }
    }
}
