using Loom.Core.Stores;

namespace Loom.Core.Statistics;

/// <summary>Where the hour buckets of the run statistics live: one row per workflow and UTC hour.</summary>
public interface IRunStatsStore
{
    /// <summary>The bucket of a workflow's hour with its ETag, or null when nothing was counted in it yet.</summary>
    /// <param name="workflowId">The workflow.</param>
    /// <param name="hour">The hour's start.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    Task<StoredStatsBucket?> GetAsync(string workflowId, DateTimeOffset hour, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a bucket: inserts it when <paramref name="etag"/> is null (<see cref="StoreConflictException"/> when it exists),
    /// replaces it when the stored ETag still matches (<see cref="StoreConcurrencyException"/> otherwise). Returns the new ETag.
    /// </summary>
    /// <param name="bucket">The bucket.</param>
    /// <param name="etag">The ETag it was read with, or null for a new row.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    Task<string> PutAsync(RunStatsBucket bucket, string? etag, CancellationToken cancellationToken = default);

    /// <summary>The buckets of a workflow from hour <paramref name="from"/> to hour <paramref name="to"/> (both included), oldest first.</summary>
    /// <param name="workflowId">The workflow.</param>
    /// <param name="from">The first hour's start.</param>
    /// <param name="to">The last hour's start.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    Task<IReadOnlyList<RunStatsBucket>> ListAsync(string workflowId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);
}
