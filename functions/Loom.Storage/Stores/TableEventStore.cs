using System.Globalization;
using Azure.Data.Tables;
using Loom.Core.Stores;

namespace Loom.Storage.Stores;

/// <summary>
/// Run events in Table storage, in the run's own partition of the runs table (keys: <see cref="RunPartition"/>, ending in <c>e|</c> and
/// the zero-padded sequence), so the run store can commit a run's state with the events that explain it in one transaction. Appends
/// are batched per run and never overwrite.
/// </summary>
public sealed class TableEventStore(TableServiceClient service, TableStoreOptions? options = null) : IEventStore
{
    private readonly LoomTable _table = new(service, (options ?? new TableStoreOptions()).RunsTable);

    /// <inheritdoc />
    public async Task AppendAsync(IReadOnlyList<RunEventRecord> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        foreach (var run in events.GroupBy(e => e.RunId, StringComparer.Ordinal))
        {
            // Within one call, the first occurrence of an event id or a sequence wins, as it would across calls.
            var entities = Distinct(run).Select(ToEntity).ToList();
            foreach (var chunk in entities.Chunk(TableLimits.MaxTransactionActions))
            {
                try
                {
                    await _table.SubmitAsync(
                        [.. chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e))], cancellationToken).ConfigureAwait(false);
                }
                catch (StorageException e) when (e.Kind == StorageErrorKind.Conflict)
                {
                    // Some were stored before (a retried append): insert one by one and keep what is there.
                    foreach (var entity in chunk)
                    {
                        try
                        {
                            await _table.AddAsync(entity, cancellationToken).ConfigureAwait(false);
                        }
                        catch (StorageException inner) when (inner.Kind == StorageErrorKind.Conflict)
                        {
                        }
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RunEventRecord>> ListAsync(string runId, CancellationToken cancellationToken = default)
    {
        var events = new List<RunEventRecord>();
        var filter = RunPartition.RangeFilter(runId, RunPartition.EventPrefix(runId));
        await foreach (var row in _table.QueryAsync(filter, null, cancellationToken).ConfigureAwait(false))
        {
            events.Add(new RunEventRecord(
                row.GetString("RunId") ?? runId,
                row.GetString("EventId") ?? "",
                row.GetInt64("Sequence") ?? 0,
                row.GetDateTimeOffset("At") ?? default,
                row.GetString("Type") ?? "",
                row.GetString("TaskId"),
                LargeText.Read(row, "Data") ?? ""));
        }

        return events;
    }

    /// <summary>Keeps the first occurrence of each event id and sequence, as separate appends would.</summary>
    internal static IEnumerable<RunEventRecord> Distinct(IEnumerable<RunEventRecord> events)
    {
        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        var seenSequences = new HashSet<long>();
        return events.Where(e => seenIds.Add(e.EventId) && seenSequences.Add(e.Sequence));
    }

    /// <summary>The row of one event (shared with the run store's commit transaction).</summary>
    internal static TableEntity ToEntity(RunEventRecord e)
    {
        if (e.Sequence < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(e), e.Sequence, $"Event '{e.EventId}' has a negative sequence.");
        }

        var entity = new TableEntity(RunPartition.Key(e.RunId), RunPartition.EventRow(e.RunId, e.Sequence))
        {
            ["RunId"] = e.RunId,
            ["EventId"] = e.EventId,
            ["Sequence"] = e.Sequence,
            ["At"] = e.Timestamp,
            ["Type"] = e.Type,
            ["TaskId"] = e.TaskId,
        };
        LargeText.Write(entity, "Data", e.Data);
        return entity;
    }
}
