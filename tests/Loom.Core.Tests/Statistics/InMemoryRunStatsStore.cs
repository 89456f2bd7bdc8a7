using Loom.Core.Statistics;
using Loom.Core.Stores;

namespace Loom.Core.Tests.Statistics;

/// <summary>The statistics rows in memory, with ETags checked as Table storage checks them, and a count of writes.</summary>
internal sealed class InMemoryRunStatsStore : IRunStatsStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string, DateTimeOffset), (string Json, string ETag)> _rows = [];
    private int _version;

    public int Reads { get; private set; }

    public int Writes { get; private set; }

    /// <summary>Called inside each write before it is checked: lets a test slip another writer in.</summary>
    public Action? BeforeWrite { get; set; }

    public Task<StoredStatsBucket?> GetAsync(string workflowId, DateTimeOffset hour, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Reads++;
            return Task.FromResult(_rows.TryGetValue((workflowId, hour), out var row)
                ? new StoredStatsBucket(RunStatsBucket.FromJson(workflowId, hour, row.Json), row.ETag)
                : null);
        }
    }

    public Task<string> PutAsync(RunStatsBucket bucket, string? etag, CancellationToken cancellationToken = default)
    {
        var before = BeforeWrite;
        BeforeWrite = null;
        before?.Invoke();
        lock (_gate)
        {
            Writes++;
            var key = (bucket.WorkflowId, bucket.Hour);
            var exists = _rows.TryGetValue(key, out var row);
            if (etag is null && exists) throw new StoreConflictException("exists");
            if (etag is not null && (!exists || row.ETag != etag)) throw new StoreConcurrencyException("changed");
            var next = $"e{++_version}";
            _rows[key] = (bucket.ToJson(), next);
            return Task.FromResult(next);
        }
    }

    public Task<IReadOnlyList<RunStatsBucket>> ListAsync(string workflowId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<RunStatsBucket> found = [.. _rows.Where(r => r.Key.Item1 == workflowId && r.Key.Item2 >= from && r.Key.Item2 <= to)
                .OrderBy(r => r.Key.Item2).Select(r => RunStatsBucket.FromJson(workflowId, r.Key.Item2, r.Value.Json))];
            return Task.FromResult(found);
        }
    }
}
