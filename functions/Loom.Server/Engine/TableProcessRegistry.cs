using Azure.Data.Tables;
using Loom.Storage;

namespace Loom.Server.Engine;

/// <summary>Process heartbeats in one partition of a small table: one row per stable process name.</summary>
internal sealed class TableProcessRegistry(LoomStorageAccount storage) : IProcessRegistry
{
    private const string Partition = "process";
    private readonly TableClient _table = storage.Tables.GetTableClient($"{storage.Options.TablePrefix}processes");
    private int _created;

    public async Task BeatAsync(ProcessHeartbeat heartbeat, CancellationToken cancellationToken = default)
    {
        await EnsureAsync(cancellationToken);
        var entity = new TableEntity(Partition, heartbeat.Name)
        {
            ["Incarnation"] = heartbeat.Incarnation,
            ["LastSeen"] = heartbeat.LastSeen == DateTimeOffset.MinValue ? new DateTimeOffset(1601, 1, 1, 0, 0, 0, TimeSpan.Zero) : heartbeat.LastSeen,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<IReadOnlyList<ProcessHeartbeat>> ListAsync(CancellationToken cancellationToken = default)
    {
        await EnsureAsync(cancellationToken);
        var beats = new List<ProcessHeartbeat>();
        await foreach (var row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: cancellationToken))
        {
            beats.Add(new ProcessHeartbeat(row.RowKey, row.GetString("Incarnation") ?? "", row.GetDateTimeOffset("LastSeen") ?? DateTimeOffset.MinValue));
        }
        return beats;
    }

    private async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _created) == 1) return;
        await _table.CreateIfNotExistsAsync(cancellationToken);
        Volatile.Write(ref _created, 1);
    }
}
