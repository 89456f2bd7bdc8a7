using System.Globalization;
using Azure.Data.Tables;
using Loom.Core.Stores;

namespace Loom.Storage.Stores;

/// <summary>
/// Attempts in Table storage, in the run's own partition of the runs table (keys: <see cref="RunPartition"/>, ending in
/// <c>a|task|attempt</c>, zero-padded), so one task's attempts are a range in order, and the run store can write an attempt's row in
/// the same transaction that commits its outcome.
/// </summary>
/// <remarks>Outputs longer than <see cref="TableStoreOptions.MaxOutputChars"/> are cut and flagged; long text is split across properties.</remarks>
public sealed class TableAttemptStore(TableServiceClient service, TableStoreOptions? options = null) : IAttemptStore
{
    /// <summary>Task ranges ORed in one query: with the partition key that makes 15 comparisons, the most Table storage accepts in a filter.</summary>
    private const int RangesPerQuery = 7;

    private readonly TableStoreOptions _options = options ?? new TableStoreOptions();
    private readonly LoomTable _table = new(service, (options ?? new TableStoreOptions()).RunsTable);

    /// <inheritdoc />
    public async Task PutAsync(AttemptRecord attempt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        await _table.UpsertAsync(ToEntity(attempt, _options), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The row of one attempt, its output cut to the configured limit (shared with the run store's commit transaction).</summary>
    internal static TableEntity ToEntity(AttemptRecord attempt, TableStoreOptions options)
    {
        var output = attempt.Output;
        var truncated = attempt.OutputTruncated;
        if (output is not null && output.Length > options.MaxOutputChars)
        {
            var cut = options.MaxOutputChars;
            if (cut > 0 && char.IsHighSurrogate(output[cut - 1]))
            {
                cut--;
            }

            output = output[..cut];
            truncated = true;
        }

        var entity = new TableEntity(RunPartition.Key(attempt.RunId), RunPartition.AttemptRow(attempt.RunId, attempt.TaskId, attempt.Attempt))
        {
            ["RunId"] = attempt.RunId,
            ["TaskId"] = attempt.TaskId,
            ["Attempt"] = attempt.Attempt,
            ["StartedAt"] = attempt.StartedAt,
            ["DurationTicks"] = attempt.Duration.Ticks,
            ["Outcome"] = attempt.Outcome,
            ["StatusCode"] = attempt.StatusCode,
            ["OutputTruncated"] = truncated,
        };
        LargeText.Write(entity, "RequestSummary", attempt.RequestSummary);
        LargeText.Write(entity, "Error", attempt.Error);
        LargeText.Write(entity, "Output", output);
        return entity;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AttemptRecord>> ListAsync(string runId, string? taskId, CancellationToken cancellationToken = default)
    {
        var filter = RunPartition.RangeFilter(runId, RunPartition.AttemptPrefix(runId, taskId));

        var attempts = new List<AttemptRecord>();
        await foreach (var row in _table.QueryAsync(filter, null, cancellationToken).ConfigureAwait(false))
        {
            attempts.Add(Read(row, runId));
        }

        // One task: key order is attempt order. All tasks: a timeline.
        return taskId is not null
            ? attempts
            : [.. attempts.OrderBy(a => a.StartedAt).ThenBy(a => a.TaskId, StringComparer.Ordinal).ThenBy(a => a.Attempt)];
    }

    /// <inheritdoc />
    /// <remarks>
    /// Instance ids are not zero-padded in the keys (<c>T[9]</c> sorts after <c>T[10]</c>), so a page of instances is not one key
    /// range: each query ORs the ranges of <see cref="RangesPerQuery"/> tasks, one query per that many tasks.
    /// </remarks>
    public async Task<IReadOnlyList<AttemptRecord>> ListTasksAsync(string runId, IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        var attempts = new List<AttemptRecord>();
        foreach (var chunk in taskIds.Distinct(StringComparer.Ordinal).Chunk(RangesPerQuery))
        {
            var ranges = chunk.Select(id => RunPartition.AttemptPrefix(runId, id)).Select(prefix => TableClient.CreateQueryFilter($"(RowKey ge {prefix} and RowKey lt {prefix[..^1] + "}"})"));
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {RunPartition.Key(runId)}") + " and (" + string.Join(" or ", ranges) + ")";
            await foreach (var row in _table.QueryAsync(filter, null, cancellationToken).ConfigureAwait(false))
            {
                attempts.Add(Read(row, runId));
            }
        }

        return attempts;
    }

    private static AttemptRecord Read(TableEntity row, string runId) => new()
    {
        RunId = row.GetString("RunId") ?? runId,
        TaskId = row.GetString("TaskId") ?? "",
        Attempt = row.GetInt32("Attempt") ?? 0,
        StartedAt = row.GetDateTimeOffset("StartedAt") ?? default,
        Duration = TimeSpan.FromTicks(row.GetInt64("DurationTicks") ?? 0),
        Outcome = row.GetString("Outcome") ?? "",
        StatusCode = row.GetInt32("StatusCode"),
        RequestSummary = LargeText.Read(row, "RequestSummary") ?? "",
        Error = LargeText.Read(row, "Error"),
        Output = LargeText.Read(row, "Output"),
        OutputTruncated = row.GetBoolean("OutputTruncated") ?? false,
    };
}
