using System.Globalization;
using Azure.Data.Tables;
using Loom.Core.Stores;

namespace Loom.Storage.Stores;

/// <summary>
/// Dead letters in Table storage. Each is two rows with the same row key (its id, which sorts newest first): one in partition
/// <c>a</c> (every workflow; point lookups) and one in <c>w|{workflowId}</c> (one workflow's listing). Rows are inserted, never
/// replaced, so writing a dead letter again stores nothing; acknowledging clears <c>Open</c> on both rows and keeps them.
/// </summary>
public sealed partial class TableDeadLetterStore(TableServiceClient service, TableStoreOptions? options = null) : IDeadLetterStore
{
    private const string AllPartition = "a";
    private readonly LoomTable _table = new(service, (options ?? new TableStoreOptions()).DeadLettersTable);

    /// <inheritdoc />
    public async Task AddAsync(IReadOnlyList<DeadLetterRecord> deadLetters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deadLetters);
        foreach (var letter in deadLetters)
        {
            // The workflow's row first: a crash between the two leaves no lookup row pointing at a listing that lacks it.
            await AddIfAbsentAsync(ToEntity(WorkflowPartition(letter.WorkflowId), letter), cancellationToken).ConfigureAwait(false);
            await AddIfAbsentAsync(ToEntity(AllPartition, letter), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<DeadLetterRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var row = await _table.GetAsync(AllPartition, TableKey.Encode(id), cancellationToken).ConfigureAwait(false);
        return row is null ? null : FromEntity(row);
    }

    /// <inheritdoc />
    public async Task<Page<DeadLetterRecord>> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, 1000);
        var partition = query.WorkflowId is null ? AllPartition : WorkflowPartition(query.WorkflowId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and Open eq {true}");
        // Ids begin with the failure time counted down, so "at or after Since" is an upper bound on the row key.
        if (query.Since is { } since)
        {
            var upper = (DateTimeOffset.MaxValue.UtcTicks - since.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "/";
            filter += " and " + TableClient.CreateQueryFilter($"RowKey lt {upper}");
        }
        if (query.Continuation is { } after) filter += " and " + TableClient.CreateQueryFilter($"RowKey gt {after}");
        if (query.RunId is { } runId) filter += " and " + TableClient.CreateQueryFilter($"RunId eq {runId}");

        var items = new List<(string RowKey, DeadLetterRecord Letter)>();
        await foreach (var page in _table.QueryPagesAsync(filter, null, Math.Min(1000, limit + 1), cancellationToken).ConfigureAwait(false))
        {
            items.AddRange(page.Values.Select(row => (row.RowKey, FromEntity(row))));
            if (items.Count > limit) break;
        }

        return items.Count > limit
            ? new Page<DeadLetterRecord>([.. items.Take(limit).Select(i => i.Letter)], items[limit - 1].RowKey)
            : new Page<DeadLetterRecord>([.. items.Select(i => i.Letter)], null);
    }

    /// <inheritdoc />
    public async Task<DeadLetterRecord?> AcknowledgeAsync(string id, string by, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var found = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (found is null) return null;
        var acknowledged = found with { AcknowledgedAt = at, AcknowledgedBy = by };
        foreach (var partition in new[] { WorkflowPartition(found.WorkflowId), AllPartition })
        {
            var change = new TableEntity(partition, TableKey.Encode(id)) { ["Open"] = false, ["AcknowledgedAt"] = at, ["AcknowledgedBy"] = by };
            try
            {
                await _table.UpdateAsync(change, "*", TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.EntityNotFound)
            {
                // The workflow's row of a dead letter whose second insert is still under way: nothing to hide there yet.
            }
        }
        return acknowledged;
    }

    private async Task AddIfAbsentAsync(TableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            await _table.AddAsync(entity, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.Conflict)
        {
            // Written before (a retried save or commit), or acknowledged since: what is stored stays.
        }
    }

    private static string WorkflowPartition(string workflowId) => "w" + TableKey.Separator + TableKey.Encode(workflowId);

    private static TableEntity ToEntity(string partition, DeadLetterRecord d) => new(partition, TableKey.Encode(d.Id))
    {
        ["Id"] = d.Id,
        ["Kind"] = d.Kind,
        ["WorkflowId"] = d.WorkflowId,
        ["RunId"] = d.RunId,
        ["TaskId"] = d.TaskId,
        ["Attempt"] = d.Attempt,
        ["Reason"] = d.Reason.Length > 8000 ? d.Reason[..8000] : d.Reason,
        ["FailedAt"] = d.FailedAt,
        ["Open"] = d.AcknowledgedAt is null,
        ["AcknowledgedAt"] = d.AcknowledgedAt,
        ["AcknowledgedBy"] = d.AcknowledgedBy,
    };

    private static DeadLetterRecord FromEntity(TableEntity row) =>
        new(row.GetString("Id") ?? TableKey.Decode(row.RowKey), row.GetString("Kind") ?? "", row.GetString("WorkflowId") ?? "", row.GetString("RunId") ?? "",
            row.GetString("TaskId"), row.GetInt32("Attempt"), row.GetString("Reason") ?? "", row.GetDateTimeOffset("FailedAt") ?? default)
        {
            AcknowledgedAt = row.GetDateTimeOffset("AcknowledgedAt"),
            AcknowledgedBy = row.GetString("AcknowledgedBy"),
        };
}
