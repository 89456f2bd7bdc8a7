using System.Globalization;
using System.Text.Json.Nodes;

namespace Loom.Cli.Rendering;

/// <summary>How the CLI writes a forEach task's instances: counted on the task's line, one line each in <c>loom run instances</c>.</summary>
internal static class ForEachText
{
    // Pending is implied by "n/total succeeded"; the rest in the order an operator looks for them.
    private static readonly string[] Shown = ["running", "retrying", "failed", "cancelled"];

    /// <summary>
    /// A task view's <c>instances</c> as "3/10 succeeded, 2 running, 1 retrying"; null for a task without instances.
    /// </summary>
    public static string? Counts(JsonNode? instances)
    {
        if (instances is not JsonObject summary || Show.Int(summary["total"]) is not { } total) return null;
        var counts = summary["counts"] as JsonObject;
        int Count(string status) => Show.Int(counts?[status]) ?? 0;
        var parts = new List<string> { string.Create(CultureInfo.InvariantCulture, $"{Count("succeeded")}/{total} succeeded") };
        parts.AddRange(Shown.Where(s => Count(s) > 0).Select(s => string.Create(CultureInfo.InvariantCulture, $"{Count(s)} {s}")));
        return string.Join(", ", parts);
    }

    /// <summary>The instances of one page as a table: id, status, attempt, code, start, elapsed, reason.</summary>
    public static TextTable Table(JsonArray items, DateTimeOffset now)
    {
        var table = new TextTable("INSTANCE", "STATUS", "ATTEMPT", "CODE", "STARTED", "ELAPSED", "REASON");
        foreach (var item in items.OfType<JsonObject>())
        {
            var started = Show.Instant(item["startedAt"]);
            var elapsed = started is { } s ? Show.Duration((Show.Instant(item["finishedAt"]) ?? now) - s) : null;
            var reason = Show.Str(item["reason"]);
            if (Show.Str(item["status"]) == "retrying" && Show.Instant(item["dueAt"]) is { } due) reason = $"retry at {Show.Time(due)}; {reason}";
            table.Add(Show.Str(item["id"]), Show.Str(item["status"]), Show.Int(item["attempt"])?.ToString(CultureInfo.InvariantCulture),
                Show.Int(item["statusCode"])?.ToString(CultureInfo.InvariantCulture), started is { } at ? Show.Time(at) : null, elapsed, Show.OneLine(reason, 80));
        }
        return table;
    }
}
