using System.Globalization;
using System.Text.Json;

using Loom.Core.Engine;

namespace Loom.Core.Orchestration;

/// <summary>
/// A run's live progress as its orchestration publishes it (Durable's custom status), between the few points where the run's
/// row is saved: the run status and each started task's status and attempt. Reads merge it over the stored row with
/// <see cref="Merge"/>.
/// </summary>
/// <param name="RunId">Run id.</param>
/// <param name="Status">Run status.</param>
/// <param name="EventCount">Events applied (the state's <see cref="RunState.EventCount"/>): newer than the stored row when greater.</param>
/// <param name="Generation">ContinueAsNew generation.</param>
/// <param name="Tasks">
/// Every task that is not pending, as <c>status:attempt</c> (<c>:held</c> appended while a callback's result waits for its call
/// to answer); null when that would not fit <see cref="MaxChars"/>, and the orchestration then saves the row at every change.
/// </param>
public sealed record RunLiveStatus(string RunId, RunStatus Status, long EventCount, int Generation, IReadOnlyDictionary<string, string>? Tasks)
{
    /// <summary>
    /// Largest custom status published with its tasks, in JSON characters. Durable keeps the custom status in one table column
    /// (16 KB of UTF-16 on Azure Storage); this leaves room to spare, and a 1,000-task workflow simply falls back to saves.
    /// </summary>
    public const int MaxChars = 7_000;

    private const string HeldSuffix = ":held";

    /// <summary>The live status of <paramref name="state"/>; without tasks when they would not fit <see cref="MaxChars"/>.</summary>
    /// <param name="state">The orchestration's current state.</param>
    /// <param name="generation">ContinueAsNew generation.</param>
    public static RunLiveStatus From(RunState state, int generation)
    {
        if (!CarriesTasks(state)) return new RunLiveStatus(state.RunId, state.Status, state.EventCount, generation, null);

        // Declaration order of the state's tasks, so replays publish the same text.
        var tasks = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, task) in state.Tasks)
        {
            if (IsStarted(task)) tasks[id] = Encode(task);
        }

        return new RunLiveStatus(state.RunId, state.Status, state.EventCount, generation, tasks);
    }

    /// <summary>
    /// True when the live status of <paramref name="state"/> carries its tasks (they fit <see cref="MaxChars"/>); counted without
    /// building the status, for an orchestration that decides at every step but publishes once per episode.
    /// </summary>
    /// <param name="state">The orchestration's current state.</param>
    public static bool CarriesTasks(RunState state)
    {
        var chars = 120 + state.RunId.Length;
        foreach (var (id, task) in state.Tasks)
        {
            if (!IsStarted(task)) continue;
            chars += id.Length + Encode(task).Length + 6;
            if (chars > MaxChars) return false;
        }

        return true;
    }

    /// <summary>
    /// The run as a reader should see it: the stored state with the live task statuses and attempts laid over it when the live
    /// status is newer. A task whose live status or attempt differs from the stored one keeps only its start time (its reason,
    /// status code, output and due time belong to what is stored, and arrive with the next save). A final run status is shown
    /// only once it is stored, so a client that sees the run final also finds its outputs, events and attempts.
    /// </summary>
    /// <param name="stored">The state read from the run's row.</param>
    /// <param name="live">The orchestration's live status, or null when there is none.</param>
    public static RunState Merge(RunState stored, RunLiveStatus? live)
    {
        if (live?.Tasks is null || live.RunId != stored.RunId || live.EventCount <= stored.EventCount || RunStatuses.IsFinal(stored.Status))
        {
            return stored;
        }

        var tasks = new Dictionary<string, TaskState>(stored.Tasks.Count, StringComparer.Ordinal);
        foreach (var (id, task) in stored.Tasks)
        {
            var (status, attempt, held) = !live.Tasks.TryGetValue(id, out var code)
                ? (TaskRunStatus.Pending, 0, false)
                : TryDecode(code, out var decoded) ? decoded : (task.Status, task.Attempt, task.HeldCallback is not null);
            if (status == task.Status && attempt == task.Attempt && held == (task.HeldCallback is not null))
            {
                tasks[id] = task;
            }
            else
            {
                tasks[id] = new TaskState
                {
                    Status = status,
                    Attempt = attempt,
                    StartedAt = task.StartedAt,
                    ForEach = task.ForEach,

                    // Only its presence matters to a reader (a second callback is refused); the outcome is applied from the history.
                    HeldCallback = held ? task.HeldCallback ?? AttemptOutcome.Success() : null,
                };
            }
        }

        return stored with
        {
            Status = RunStatuses.IsFinal(live.Status) ? stored.Status : live.Status,
            Tasks = tasks,
            EventCount = live.EventCount,
        };
    }

    /// <summary>Reads a custom status written by <see cref="From"/>; null when the JSON is something else (an older orchestration's).</summary>
    /// <param name="json">The instance's serialized custom status.</param>
    public static RunLiveStatus? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("eventCount", out _)) return null;
            return RunOrchestrationJson.FromPayload<RunLiveStatus>(document.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }

    private static bool IsStarted(TaskState task) => task.Status != TaskRunStatus.Pending || task.Attempt != 0;

    private static string Encode(TaskState task)
    {
        var text = string.Concat(StatusNames[(int)task.Status], ":", task.Attempt.ToString(CultureInfo.InvariantCulture));
        return task.HeldCallback is null ? text : text + HeldSuffix;
    }

    // The camelCase names of the statuses, indexed by value, made once rather than per task.
    private static readonly string[] StatusNames = NameStatuses();

    private static string[] NameStatuses()
    {
        var values = Enum.GetValues<TaskRunStatus>();
        var names = new string[values.Max(v => (int)v) + 1];
        foreach (var value in values) names[(int)value] = JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
        return names;
    }

    private static bool TryDecode(string code, out (TaskRunStatus Status, int Attempt, bool Held) decoded)
    {
        decoded = default;
        var held = code.EndsWith(HeldSuffix, StringComparison.Ordinal);
        var body = held ? code[..^HeldSuffix.Length] : code;
        var colon = body.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0
            || !Enum.TryParse<TaskRunStatus>(body[..colon], ignoreCase: true, out var status)
            || !Enum.IsDefined(status)
            || !int.TryParse(body.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var attempt))
        {
            return false;
        }

        decoded = (status, attempt, held);
        return true;
    }
}
