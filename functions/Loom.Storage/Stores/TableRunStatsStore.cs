using System.Globalization;
using Azure.Data.Tables;
using Loom.Core.Statistics;
using Loom.Core.Stores;

namespace Loom.Storage.Stores;

/// <summary>
/// The run statistics' hour buckets in Table storage: partition = the workflow, row key = the UTC hour (<c>yyyyMMddHH</c>, so a
/// time range is one row-key range query), the bucket as compact JSON in <c>Data</c> (spread over numbered properties when long).
/// </summary>
public sealed class TableRunStatsStore(TableServiceClient service, TableStoreOptions? options = null) : IRunStatsStore
{
    private const string DataColumn = "Data";
    private readonly LoomTable _table = new(service, (options ?? new TableStoreOptions()).StatsTable);

    /// <inheritdoc />
    public async Task<StoredStatsBucket?> GetAsync(string workflowId, DateTimeOffset hour, CancellationToken cancellationToken = default)
    {
        var row = await _table.GetAsync(TableKey.Encode(workflowId), RowKey(hour), cancellationToken).ConfigureAwait(false);
        return row is null ? null : new StoredStatsBucket(FromEntity(workflowId, row), row.ETag.ToString());
    }

    /// <inheritdoc />
    public async Task<string> PutAsync(RunStatsBucket bucket, string? etag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        var entity = new TableEntity(TableKey.Encode(bucket.WorkflowId), RowKey(bucket.Hour)) { ["Runs"] = bucket.Runs };
        LargeText.Write(entity, DataColumn, bucket.ToJson());
        try
        {
            return etag is null
                ? await _table.AddAsync(entity, cancellationToken).ConfigureAwait(false)
                : await _table.UpdateAsync(entity, etag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.Conflict)
        {
            throw new StoreConflictException($"The statistics of {bucket.WorkflowId} for {RowKey(bucket.Hour)} exist already.");
        }
        catch (StorageException e) when (e.Kind is StorageErrorKind.PreconditionFailed or StorageErrorKind.EntityNotFound)
        {
            throw new StoreConcurrencyException($"The statistics of {bucket.WorkflowId} for {RowKey(bucket.Hour)} changed since they were read.");
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RunStatsBucket>> ListAsync(string workflowId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKey.Encode(workflowId)} and RowKey ge {RowKey(from)} and RowKey le {RowKey(to)}");
        var buckets = new List<RunStatsBucket>();
        await foreach (var row in _table.QueryAsync(filter, null, cancellationToken).ConfigureAwait(false))
        {
            buckets.Add(FromEntity(workflowId, row));
        }
        return buckets;
    }

    private static RunStatsBucket FromEntity(string workflowId, TableEntity row)
    {
        var hour = DateTimeOffset.TryParseExact(row.RowKey, "yyyyMMddHH", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var h) ? h : default;
        return RunStatsBucket.FromJson(workflowId, hour, LargeText.Read(row, DataColumn));
    }

    private static string RowKey(DateTimeOffset hour) => RunStatsBucket.HourOf(hour).ToString("yyyyMMddHH", CultureInfo.InvariantCulture);
}
