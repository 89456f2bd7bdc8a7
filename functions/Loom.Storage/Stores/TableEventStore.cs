using System.Globalization;
using Azure.Data.Tables;
using Loom.Core.Stores;

namespace Loom.Storage.Stores;

/// <summary>
/// Run events in Table storage, in the run's own partition of the runs table (keys: <see cref="RunPartition"/>, ending in <c>e|</c> and
/// the zero-padded sequence), so the run store can commit a run's state with the events that explain it in one transaction. A write's
/// events share rows (<see cref="EventRows"/>); appends never overwrite a stored sequence.
/// </summary>
public sealed class TableEventStore(TableServiceClient service, TableStoreOptions? options = null) : IEventStore
{
    // Appends that raced another writer for the same rows: read what is stored and try again, this many times.
    private const int MaxAppendRounds = 3;

    private readonly LoomTable _table = new(service, (options ?? new TableStoreOptions()).RunsTable);

    /// <inheritdoc />
    public async Task AppendAsync(IReadOnlyList<RunEventRecord> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var run in events.GroupBy(e => e.RunId, StringComparer.Ordinal))
        {
            await AppendMissingAsync(_table, run.Key, Distinct(run).ToList(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RunEventRecord>> ListAsync(string runId, CancellationToken cancellationToken = default) =>
        ListAsync(_table, runId, -1, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<RunEventRecord>> ListAfterAsync(string runId, long after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(after, -1);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return ListAsync(_table, runId, after, limit, cancellationToken);
    }

    /// <summary>Keeps the first occurrence of each event id and sequence, as separate appends would.</summary>
    internal static IEnumerable<RunEventRecord> Distinct(IEnumerable<RunEventRecord> events)
    {
        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        var seenSequences = new HashSet<long>();
        return events.Where(e => seenIds.Add(e.EventId) && seenSequences.Add(e.Sequence));
    }

    /// <summary>The run's events with a sequence above <paramref name="after"/> (-1 for all), in sequence order: one range of row keys.</summary>
    internal static Task<IReadOnlyList<RunEventRecord>> ListAsync(LoomTable table, string runId, long after, CancellationToken cancellationToken) =>
        ListAsync(table, runId, after, int.MaxValue, cancellationToken);

    /// <summary>
    /// The first <paramref name="limit"/> of the run's events with a sequence above <paramref name="after"/> (-1 for all), in sequence
    /// order: one range of row keys, read in key order only as far as the page needs.
    /// </summary>
    internal static async Task<IReadOnlyList<RunEventRecord>> ListAsync(LoomTable table, string runId, long after, int limit, CancellationToken cancellationToken)
    {
        var prefix = RunPartition.EventPrefix(runId);
        // A row is keyed by the highest sequence it holds, so every row holding a sequence above 'after' has a key above after's.
        var filter = after < 0
            ? RunPartition.RangeFilter(runId, prefix)
            : TableClient.CreateQueryFilter($"PartitionKey eq {RunPartition.Key(runId)} and RowKey gt {RunPartition.EventRow(runId, after)} and RowKey lt {prefix[..^1] + "}"}");
        // Every row holds at least one event: a page needs at most limit rows, plus one to see that nothing lower follows.
        int? pageSize = limit < 1000 ? limit + 1 : null;
        var rows = new List<RunEventRecord>();
        long? lastNeeded = null;
        await foreach (var page in table.QueryPagesAsync(filter, null, pageSize, cancellationToken).ConfigureAwait(false))
        {
            foreach (var row in page.Values)
            {
                var held = EventRows.FromEntity(row, runId).Where(e => e.Sequence > after).ToList();
                if (held.Count == 0)
                {
                    continue;
                }

                // Rows follow one another in sequence: once the page is full, a row starting above its last event ends the read. A
                // row holding lower sequences (an append that raced another writer fills gaps in a row of its own) is still taken.
                if (lastNeeded is { } last && held.Min(e => e.Sequence) > last)
                {
                    return Page(EventRows.Merge(rows), limit);
                }

                rows.AddRange(held);
                if (rows.Count >= limit && EventRows.Merge(rows) is { } merged && merged.Count >= limit)
                {
                    lastNeeded = merged[limit - 1].Sequence;
                }
            }
        }

        return Page(EventRows.Merge(rows), limit);
    }

    private static List<RunEventRecord> Page(List<RunEventRecord> events, int limit) => events.Count > limit ? events.GetRange(0, limit) : events;

    /// <summary>
    /// Stores those of <paramref name="events"/> (one run's, distinct) whose sequence is not stored yet, in shared rows. Used where the
    /// events may be stored already (a redelivered save, a commit whose rows met stored ones), so it reads before it writes.
    /// </summary>
    internal static async Task AppendMissingAsync(LoomTable table, string runId, List<RunEventRecord> events, CancellationToken cancellationToken)
    {
        for (var round = 1; events.Count > 0; round++)
        {
            var stored = (await ListAsync(table, runId, events.Min(e => e.Sequence) - 1, cancellationToken).ConfigureAwait(false))
                .Select(e => e.Sequence).ToHashSet();
            events = [.. events.Where(e => !stored.Contains(e.Sequence))];
            if (events.Count == 0)
            {
                return;
            }

            var rows = EventRows.ToEntities(events);
            if (round > MaxAppendRounds)
            {
                // Still racing: a row per event, each kept if its key is taken (a sequence already stored stays as it is).
                rows = [.. events.Select(EventRows.ToSingleEntity)];
            }

            var conflicted = false;
            foreach (var row in rows)
            {
                try
                {
                    await table.AddAsync(row, cancellationToken).ConfigureAwait(false);
                }
                catch (StorageException e) when (e.Kind == StorageErrorKind.Conflict)
                {
                    conflicted = true;
                }
            }

            if (!conflicted || round > MaxAppendRounds)
            {
                return;
            }
        }
    }
}
