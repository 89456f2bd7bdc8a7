using System.Text.Json.Nodes;
using Loom.Cli.Rendering;

namespace Loom.Cli.Commands;

/// <summary>
/// One line per event of a run's log: the event's time since the run started, the task (or "run"), what happened, the attempt
/// and the log's message, e.g. <c>+412ms  fetch_data  retrying   attempt 1/3  HTTP 503 Service Unavailable; attempt 2 in 200ms</c>.
/// </summary>
internal sealed class EventLines(JsonObject run)
{
    private readonly Dictionary<string, int?> _maxAttempts = (run["tasks"] as JsonArray ?? []).OfType<JsonObject>()
        .ToDictionary(t => Show.Str(t["id"]) ?? "", t => Show.Int(t["maxAttempts"]), StringComparer.Ordinal);

    private readonly int _width = Math.Max(3, (run["tasks"] as JsonArray ?? []).OfType<JsonObject>().Select(t => Show.Str(t["id"])?.Length ?? 0).DefaultIfEmpty(0).Max());

    // The run's own start is the origin; until its first event is seen, the run's recorded start (or creation) is.
    private DateTimeOffset? _origin = Show.Instant(run["startedAt"]) ?? Show.Instant(run["createdAt"]);

    /// <summary>The line of one event.</summary>
    public string Line(JsonObject e)
    {
        var type = Show.Str(e["type"]) ?? "";
        var at = Show.Instant(e["timestamp"]);
        if (type == "RunStarted" && at is not null) _origin = at;
        var offset = at is { } t && _origin is { } o ? "+" + Show.Duration(t - o) : "";
        var task = Show.Str(e["taskId"]);
        var data = e["data"] as JsonObject;
        var attempt = Show.Int(data?["Attempt"] ?? data?["attempt"]);
        var message = Show.Str(data?["Message"] ?? data?["message"]);
        var parts = new List<string>();
        if (attempt is { } n && task is not null) parts.Add(_maxAttempts.GetValueOrDefault(task) is { } max ? $"attempt {n}/{max}" : $"attempt {n}");
        // "attempt 1 of 3" repeats what the attempt column says.
        if (!string.IsNullOrEmpty(message) && type != "TaskStarted") parts.Add(Show.OneLine(message, 120));
        return $"{offset,8}  {(task ?? "run").PadRight(_width)}  {What(type),-9}  {string.Join("  ", parts)}".TrimEnd();
    }

    private static string What(string type) => type switch
    {
        "RunStarted" => "started",
        "TaskStarted" => "running",
        "TaskRetrying" => "retrying",
        "TaskWaiting" => "waiting",
        "TaskSucceeded" or "RunSucceeded" => "succeeded",
        "TaskFailed" or "RunFailed" => "failed",
        "TaskSkipped" => "skipped",
        "TaskCancelled" or "RunCancelled" => "cancelled",
        _ => type,
    };
}
