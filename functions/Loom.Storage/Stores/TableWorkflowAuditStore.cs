using Azure.Data.Tables;
using Loom.Core.Stores;

namespace Loom.Storage.Stores;

/// <summary>
/// Workflow audit logs in Table storage: a partition per workflow, row keys the time counted down (newest first) and a random
/// suffix, so two actions in the same tick are both kept.
/// </summary>
public sealed class TableWorkflowAuditStore(TableServiceClient service, TableStoreOptions? options = null) : IWorkflowAuditStore
{
    private readonly LoomTable _table = new(service, (options ?? new TableStoreOptions()).AuditTable);

    /// <inheritdoc />
    public async Task AppendAsync(WorkflowAuditRecord entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var entity = new TableEntity(TableKey.Encode(entry.WorkflowId), TableKey.NewestFirst(entry.At) + TableKey.Separator + Guid.NewGuid().ToString("N")[..8])
        {
            ["WorkflowId"] = entry.WorkflowId,
            ["At"] = entry.At,
            ["Action"] = entry.Action,
            ["By"] = entry.By,
            ["RunId"] = entry.RunId,
            ["Detail"] = entry.Detail is { Length: > 2000 } d ? d[..2000] : entry.Detail,
        };
        await _table.AddAsync(entity, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<Page<WorkflowAuditRecord>> ListAsync(string workflowId, int limit, string? continuation = null, CancellationToken cancellationToken = default)
    {
        limit = Math.Clamp(limit, 1, 1000);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKey.Encode(workflowId)}");
        if (continuation is not null) filter += " and " + TableClient.CreateQueryFilter($"RowKey gt {continuation}");
        var items = new List<(string RowKey, WorkflowAuditRecord Entry)>();
        await foreach (var page in _table.QueryPagesAsync(filter, null, Math.Min(1000, limit + 1), cancellationToken).ConfigureAwait(false))
        {
            items.AddRange(page.Values.Select(row => (row.RowKey, new WorkflowAuditRecord(
                row.GetString("WorkflowId") ?? workflowId, row.GetDateTimeOffset("At") ?? default, row.GetString("Action") ?? "", row.GetString("By") ?? "",
                row.GetString("RunId"), row.GetString("Detail")))));
            if (items.Count > limit) break;
        }

        return items.Count > limit
            ? new Page<WorkflowAuditRecord>([.. items.Take(limit).Select(i => i.Entry)], items[limit - 1].RowKey)
            : new Page<WorkflowAuditRecord>([.. items.Select(i => i.Entry)], null);
    }
}
