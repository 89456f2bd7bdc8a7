using System.Globalization;
using System.Text.Json;
using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Orchestration;

/// <summary>Turns a transition's log entries into event-log rows with deterministic ids, the same way on every host.</summary>
public static class RunEventLog
{
    /// <summary>Room in the sequence for every entry one event can log.</summary>
    public const long EntriesPerEvent = 1_000_000;

    /// <summary>Rows for the entries one event produced; <paramref name="eventIndex"/> is the run's <see cref="RunState.EventCount"/> before the event.</summary>
    /// <param name="runId">Run id.</param>
    /// <param name="eventIndex">Index of the event that produced the entries.</param>
    /// <param name="log">The entries, in order.</param>
    public static IReadOnlyList<RunEventRecord> ToRecords(string runId, long eventIndex, IReadOnlyList<RunLogEntry> log)
    {
        var records = new List<RunEventRecord>(log.Count);
        for (var i = 0; i < log.Count; i++)
        {
            var entry = log[i];
            var sequence = (eventIndex * EntriesPerEvent) + i;
            var data = JsonSerializer.Serialize(new { entry.Attempt, entry.Message });
            records.Add(new RunEventRecord(runId, sequence.ToString(CultureInfo.InvariantCulture), sequence, entry.At, entry.Type, entry.TaskId, data));
        }

        return records;
    }
}
