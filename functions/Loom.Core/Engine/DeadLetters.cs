using System.Globalization;
using System.Text.Json;
using Loom.Core.Stores;

namespace Loom.Core.Engine;

/// <summary>
/// Which history rows make dead letters, the same on every host: each <c>TaskFailed</c> row (a task that failed for good) is
/// one, and a <c>RunFailed</c> row is one when no task of the run is failed (the run timed out, or Loom failed it because
/// storage kept refusing its change). Ids come from the rows, which are deterministic, so a save or commit written again
/// after a crash yields the same ids.
/// </summary>
public static class DeadLetters
{
    /// <summary>Kind of a task's dead letter.</summary>
    public const string TaskKind = "task";

    /// <summary>Kind of a run's dead letter.</summary>
    public const string RunKind = "run";

    /// <summary>The dead letters <paramref name="events"/> (rows of <paramref name="state"/>'s run) make.</summary>
    public static IReadOnlyList<DeadLetterRecord> From(RunState state, IEnumerable<RunEventRecord> events)
    {
        var found = new List<DeadLetterRecord>();
        foreach (var e in events)
        {
            if (e.Type == RunLogTypes.TaskFailed && e.TaskId is { } taskId)
            {
                var (attempt, message) = Read(e.Data);
                found.Add(new DeadLetterRecord(Id(e.Timestamp, state.RunId, taskId, attempt ?? 0), TaskKind, state.WorkflowId, state.RunId, taskId, attempt, message ?? "failed", e.Timestamp));
            }
            else if (e.Type == RunLogTypes.RunFailed && !state.Tasks.Values.Any(t => t.Status == TaskRunStatus.Failed))
            {
                var (_, message) = Read(e.Data);
                found.Add(new DeadLetterRecord(Id(e.Timestamp, state.RunId, null, e.Sequence), RunKind, state.WorkflowId, state.RunId, null, null, message ?? "failed", e.Timestamp));
            }
        }

        return found;
    }

    /// <summary>
    /// The id of a dead letter: the failure time counted down (so ids sort newest first), the run, and the task with its attempt
    /// (or, for a run, the sequence of its RunFailed row).
    /// </summary>
    public static string Id(DateTimeOffset at, string runId, string? taskId, long number) =>
        string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks:D19}.{runId}.{taskId ?? "run"}.{number}");

    private static (int? Attempt, string? Message) Read(string data)
    {
        try
        {
            using var doc = JsonDocument.Parse(data);
            var root = doc.RootElement;
            int? attempt = root.TryGetProperty("Attempt", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetInt32() : null;
            var message = root.TryGetProperty("Message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            return (attempt, message);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }
}
