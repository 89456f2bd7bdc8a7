using System.Buffers;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Loom.Core.Stores;

namespace Loom.Storage.Stores;

/// <summary>
/// The rows of a run's event log: each write puts its events in as few rows as the Table limits allow (a grouped row holds a
/// JSON array of events in <c>Events</c>, keyed by the highest sequence it holds), and readers take grouped rows and the older
/// one-event-per-row layout alike.
/// </summary>
/// <remarks>
/// <para>Each row of an entity group transaction costs the storage client and the service a sub-request of its own (building,
/// escaping, the multipart response), which dominated the self-hosted server's allocations while a commit wrote a row per event.
/// A commit's events now usually ride in one row beside the run row.</para>
/// <para>Keying a row by its highest sequence keeps "the events after sequence N" one range: every row holding such an event has a
/// key above N. A sequence stored twice (an append racing a commit, or rows of both layouts) is read once: the first row in key
/// order wins, as the first insert won when every event had its own key.</para>
/// </remarks>
internal static class EventRows
{
    // Compact and exact: the text is stored, never put in a web page, so only what JSON itself requires is escaped.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The property of a grouped row holding its events (split across <see cref="LargeText"/> parts when long).</summary>
    public const string EventsProperty = "Events";

    /// <summary>Characters of event JSON one grouped row holds at most: 8 parts of 32,000 characters, 512 KB, well inside the 1 MiB entity limit.</summary>
    public const int MaxRowChars = 8 * LargeText.ChunkChars;

    /// <summary>
    /// The rows holding <paramref name="events"/> (all of one run, distinct sequences): consecutive events in sequence order share a
    /// row up to <see cref="MaxRowChars"/>; an event too long for a grouped row alone gets a row of the one-event layout.
    /// </summary>
    public static List<TableEntity> ToEntities(IEnumerable<RunEventRecord> events)
    {
        var ordered = events.OrderBy(e => e.Sequence).ToList();
        var rows = new List<TableEntity>();
        if (ordered.Count == 0)
        {
            return rows;
        }

        // Every event's JSON once, back to back; a group's row is then '[' + its events' bytes joined by ',' + ']'.
        var json = new ArrayBufferWriter<byte>(256 * ordered.Count);
        var ends = new int[ordered.Count];
        using (var writer = new Utf8JsonWriter(json, WriterOptions))
        {
            for (var i = 0; i < ordered.Count; i++)
            {
                if (ordered[i].Sequence < 0)
                {
                    throw new ArgumentOutOfRangeException(nameof(events), ordered[i].Sequence, $"Event '{ordered[i].EventId}' has a negative sequence.");
                }

                Write(writer, ordered[i]);
                writer.Flush();
                writer.Reset();
                ends[i] = json.WrittenCount;
            }
        }

        var first = 0;
        var size = 2;
        for (var i = 0; i < ordered.Count; i++)
        {
            // UTF-8 bytes: the characters of the stored text or more (the relaxed encoder writes no \u escapes for non-ASCII).
            var length = ends[i] - (i == 0 ? 0 : ends[i - 1]);
            if (length + 2 > MaxRowChars)
            {
                AddGroup(i);
                rows.Add(ToSingleEntity(ordered[i]));
                first = i + 1;
                size = 2;
                continue;
            }

            if (i > first && size + length + 1 > MaxRowChars)
            {
                AddGroup(i);
                first = i;
                size = 2;
            }

            size += length + (i > first ? 1 : 0);
        }

        AddGroup(ordered.Count);
        return rows;

        void AddGroup(int end)
        {
            if (end > first)
            {
                rows.Add(ToGroupEntity(ordered, first, end, json.WrittenSpan, ends));
            }
        }
    }

    /// <summary>The events a row holds, in sequence order, whichever layout wrote it.</summary>
    public static IEnumerable<RunEventRecord> FromEntity(TableEntity row, string runId)
    {
        var json = LargeText.Read(row, EventsProperty);
        if (json is null)
        {
            return [FromSingleEntity(row, runId)];
        }

        var rowRunId = row.GetString("RunId") ?? runId;
        var events = new List<RunEventRecord>();
        using var document = JsonDocument.Parse(json);
        foreach (var item in document.RootElement.EnumerateArray())
        {
            events.Add(new RunEventRecord(
                rowRunId,
                item.GetProperty("i").GetString() ?? "",
                item.GetProperty("s").GetInt64(),
                new DateTimeOffset(item.GetProperty("t").GetInt64(), TimeSpan.Zero),
                item.GetProperty("y").GetString() ?? "",
                item.TryGetProperty("k", out var task) ? task.GetString() : null,
                item.GetProperty("d").GetString() ?? ""));
        }

        return events;
    }

    /// <summary>
    /// The log held by the events of rows read in key order (<paramref name="rowsInKeyOrder"/>): each sequence once, the first row in key order winning, in
    /// sequence order.
    /// </summary>
    public static List<RunEventRecord> Merge(IEnumerable<RunEventRecord> rowsInKeyOrder)
    {
        var seen = new HashSet<long>();
        var events = rowsInKeyOrder.Where(e => seen.Add(e.Sequence)).ToList();
        events.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        return events;
    }

    /// <summary>The row of one event in the one-event-per-row layout (written for an event too long to share a row).</summary>
    public static TableEntity ToSingleEntity(RunEventRecord e)
    {
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

    private static RunEventRecord FromSingleEntity(TableEntity row, string runId) => new(
        row.GetString("RunId") ?? runId,
        row.GetString("EventId") ?? "",
        row.GetInt64("Sequence") ?? 0,
        row.GetDateTimeOffset("At") ?? default,
        row.GetString("Type") ?? "",
        row.GetString("TaskId"),
        LargeText.Read(row, "Data") ?? "");

    private static TableEntity ToGroupEntity(List<RunEventRecord> ordered, int first, int end, ReadOnlySpan<byte> json, int[] ends)
    {
        var start = first == 0 ? 0 : ends[first - 1];
        var bytes = new byte[ends[end - 1] - start + (end - first) + 1];
        bytes[0] = (byte)'[';
        var at = 1;
        for (var i = first; i < end; i++)
        {
            var from = i == 0 ? 0 : ends[i - 1];
            json[from..ends[i]].CopyTo(bytes.AsSpan(at));
            at += ends[i] - from;
            bytes[at++] = i == end - 1 ? (byte)']' : (byte)',';
        }

        var last = ordered[end - 1];
        var entity = new TableEntity(RunPartition.Key(last.RunId), RunPartition.EventRow(last.RunId, last.Sequence))
        {
            ["RunId"] = last.RunId,
            ["First"] = ordered[first].Sequence,
        };
        LargeText.Write(entity, EventsProperty, Encoding.UTF8.GetString(bytes));
        return entity;
    }

    // Short names: they repeat in every event of every row.
    private static void Write(Utf8JsonWriter writer, RunEventRecord e)
    {
        writer.WriteStartObject();
        writer.WriteString("i", e.EventId);
        writer.WriteNumber("s", e.Sequence);
        writer.WriteNumber("t", e.Timestamp.UtcTicks);
        writer.WriteString("y", e.Type);
        if (e.TaskId is not null)
        {
            writer.WriteString("k", e.TaskId);
        }

        writer.WriteString("d", e.Data);
        writer.WriteEndObject();
    }
}
