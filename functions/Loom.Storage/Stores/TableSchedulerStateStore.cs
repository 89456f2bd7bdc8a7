using Loom.Core.Stores;
using Loom.Storage.Tables;

namespace Loom.Storage.Stores;

/// <summary>Scheduler state in Table storage: one row per workflow, written only if its ETag still matches.</summary>
public sealed class TableSchedulerStateStore(ITableServiceClient service, TableStoreOptions? options = null) : ISchedulerStateStore
{
    private const string StateRow = "state";
    private readonly StoreTable _table = new(service, (options ?? new TableStoreOptions()).SchedulerTable);

    /// <inheritdoc />
    public async Task<SchedulerState?> GetAsync(string workflowId, CancellationToken cancellationToken = default)
    {
        var table = await _table.GetAsync(cancellationToken).ConfigureAwait(false);
        var row = await table.GetEntityAsync(TableKey.Encode(workflowId), StateRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row is null
            ? null
            : new SchedulerState(row.GetString("WorkflowId") ?? workflowId, row.GetDateTimeOffset("LastEvaluated") ?? default, row.ETag);
    }

    /// <inheritdoc />
    public async Task<bool> TrySaveAsync(SchedulerState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        var table = await _table.GetAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(TableKey.Encode(state.WorkflowId), StateRow)
        {
            ["WorkflowId"] = state.WorkflowId,
            ["LastEvaluated"] = state.LastEvaluated,
        };
        try
        {
            if (state.ETag is null)
            {
                await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await table.UpdateEntityAsync(entity, state.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (StorageException e) when (e.Kind is StorageErrorKind.Conflict or StorageErrorKind.PreconditionFailed or StorageErrorKind.EntityNotFound)
        {
            return false;
        }
    }
}
