using Azure.Data.Tables;
using Loom.Core.Stores;

namespace Loom.Storage.Stores;

/// <summary>Webhook salts in Table storage: one row per workflow beside its scheduler state.</summary>
public sealed class TableWebhookKeyStore(TableServiceClient service, TableStoreOptions? options = null) : IWebhookKeyStore
{
    private const string WebhookRow = "webhook";
    private readonly LoomTable _table = new(service, (options ?? new TableStoreOptions()).SchedulerTable);

    /// <inheritdoc />
    public async Task<string?> GetAsync(string workflowId, CancellationToken cancellationToken = default)
    {
        var row = await _table.GetAsync(TableKey.Encode(workflowId), WebhookRow, cancellationToken).ConfigureAwait(false);
        return row?.GetString("Salt");
    }

    /// <inheritdoc />
    public async Task SetAsync(string workflowId, string salt, CancellationToken cancellationToken = default)
    {
        var entity = new TableEntity(TableKey.Encode(workflowId), WebhookRow) { ["WorkflowId"] = workflowId, ["Salt"] = salt };
        await _table.UpsertAsync(entity, cancellationToken).ConfigureAwait(false);
    }
}
