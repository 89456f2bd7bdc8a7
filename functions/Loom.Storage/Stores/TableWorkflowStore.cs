using System.Globalization;
using Azure.Data.Tables;
using Loom.Core.Stores;

namespace Loom.Storage.Stores;

/// <summary>Workflows in Table storage: one partition per workflow holding a head row and one immutable row per version.</summary>
/// <remarks>A new version and the head that points to it commit together in one entity group transaction guarded by the head's ETag, so concurrent registrations never lose or duplicate a version.</remarks>
public sealed class TableWorkflowStore(TableServiceClient service, TableStoreOptions? options = null) : IWorkflowStore
{
    private const string HeadRow = "head";
    private const int MaxAttempts = 20;
    private readonly LoomTable _table = new(service, (options ?? new TableStoreOptions()).WorkflowsTable);

    /// <inheritdoc />
    public async Task<RegisterOutcome> RegisterAsync(string workflowId, string contentHash, string source, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var pk = TableKey.Encode(workflowId);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var head = await _table.GetAsync(pk, HeadRow, cancellationToken).ConfigureAwait(false);
            try
            {
                if (head is not null && head.GetString("ContentHash") == contentHash)
                {
                    if (head.GetBoolean("Deleted") == true)
                    {
                        var undelete = new TableEntity(pk, HeadRow) { ["Deleted"] = false, ["UpdatedAt"] = now };
                        await _table.UpdateAsync(undelete, head.ETag.ToString(), TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                    }

                    return new RegisterOutcome(head.GetInt32("CurrentVersion") ?? 0, false);
                }

                var version = (head?.GetInt32("CurrentVersion") ?? 0) + 1;
                var versionRow = new TableEntity(pk, VersionRow(version))
                {
                    ["WorkflowId"] = workflowId,
                    ["Version"] = version,
                    ["ContentHash"] = contentHash,
                    ["CreatedAt"] = now,
                };
                LargeText.Write(versionRow, "Source", source);
                var newHead = new TableEntity(pk, HeadRow)
                {
                    ["WorkflowId"] = workflowId,
                    ["CurrentVersion"] = version,
                    ["ContentHash"] = contentHash,
                    ["Paused"] = head?.GetBoolean("Paused") ?? false,
                    ["Deleted"] = false,
                    ["UpdatedAt"] = now,
                };
                await _table.SubmitAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Add, versionRow),
                    head is null
                        ? new TableTransactionAction(TableTransactionActionType.Add, newHead)
                        : new TableTransactionAction(TableTransactionActionType.UpdateReplace, newHead, head.ETag),
                ], cancellationToken).ConfigureAwait(false);
                return new RegisterOutcome(version, true);
            }
            catch (StorageException e) when (e.Kind is StorageErrorKind.Conflict or StorageErrorKind.PreconditionFailed)
            {
                // Another registration won the head; read it again and decide anew.
            }
        }

        throw new StoreConcurrencyException($"Workflow '{workflowId}' kept changing during registration; gave up after {MaxAttempts} attempts.");
    }

    /// <inheritdoc />
    public async Task<WorkflowHead?> GetHeadAsync(string workflowId, CancellationToken cancellationToken = default)
    {
        var head = await _table.GetAsync(TableKey.Encode(workflowId), HeadRow, cancellationToken).ConfigureAwait(false);
        return head is null ? null : ToHead(head);
    }

    /// <inheritdoc />
    public async Task<WorkflowVersionRecord?> GetVersionAsync(string workflowId, int version, CancellationToken cancellationToken = default)
    {
        if (version < 1)
        {
            return null;
        }

        var row = await _table.GetAsync(TableKey.Encode(workflowId), VersionRow(version), cancellationToken).ConfigureAwait(false);
        return row is null ? null : ToVersion(row);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<WorkflowVersionRecord>> ListVersionsAsync(string workflowId, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKey.Encode(workflowId)} and RowKey ge 'v' and RowKey lt 'w'");
        var versions = new List<WorkflowVersionRecord>();
        await foreach (var row in _table.QueryAsync(filter, null, cancellationToken).ConfigureAwait(false))
        {
            versions.Add(ToVersion(row));
        }

        return versions;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<WorkflowHead>> ListHeadsAsync(bool includeDeleted = false, CancellationToken cancellationToken = default)
    {
        var filter = includeDeleted ? "RowKey eq 'head'" : "RowKey eq 'head' and Deleted eq false";
        var heads = new List<WorkflowHead>();
        await foreach (var row in _table.QueryAsync(filter, null, cancellationToken).ConfigureAwait(false))
        {
            heads.Add(ToHead(row));
        }

        return [.. heads.OrderBy(h => h.WorkflowId, StringComparer.Ordinal)];
    }

    /// <inheritdoc />
    public Task<bool> SetPausedAsync(string workflowId, bool paused, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        ChangeHeadAsync(workflowId, "Paused", paused, now, cancellationToken);

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string workflowId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        ChangeHeadAsync(workflowId, "Deleted", true, now, cancellationToken);

    private async Task<bool> ChangeHeadAsync(string workflowId, string property, bool value, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pk = TableKey.Encode(workflowId);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var head = await _table.GetAsync(pk, HeadRow, cancellationToken).ConfigureAwait(false);
            if (head is null)
            {
                return false;
            }

            try
            {
                var change = new TableEntity(pk, HeadRow) { [property] = value, ["UpdatedAt"] = now };
                await _table.UpdateAsync(change, head.ETag.ToString(), TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (StorageException e) when (e.Kind is StorageErrorKind.PreconditionFailed or StorageErrorKind.EntityNotFound)
            {
                // Changed under us (e.g. a registration); read again.
            }
        }

        throw new StoreConcurrencyException($"Workflow '{workflowId}' kept changing; gave up after {MaxAttempts} attempts.");
    }

    private static string VersionRow(int version) => "v" + version.ToString("D10", CultureInfo.InvariantCulture);

    private static WorkflowHead ToHead(TableEntity row) => new(
        row.GetString("WorkflowId") ?? TableKey.Decode(row.PartitionKey),
        row.GetInt32("CurrentVersion") ?? 0,
        row.GetBoolean("Paused") ?? false,
        row.GetBoolean("Deleted") ?? false,
        row.GetDateTimeOffset("UpdatedAt") ?? row.Timestamp ?? default,
        row.ETag.ToString());

    private static WorkflowVersionRecord ToVersion(TableEntity row) => new(
        row.GetString("WorkflowId") ?? TableKey.Decode(row.PartitionKey),
        row.GetInt32("Version") ?? 0,
        row.GetString("ContentHash") ?? "",
        LargeText.Read(row, "Source") ?? "",
        row.GetDateTimeOffset("CreatedAt") ?? default);
}
