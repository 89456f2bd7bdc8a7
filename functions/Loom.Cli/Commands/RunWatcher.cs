using System.Text.Json.Nodes;
using Loom.Cli.Api;
using Loom.Cli.Rendering;

namespace Loom.Cli.Commands;

/// <summary>
/// Follows a run until it ends. On a terminal it redraws a tree of tasks in place; otherwise it prints one line per task status
/// change, so logs and tests see every transition the polls caught.
/// </summary>
internal sealed class RunWatcher(LoomClient client, CliContext context, TimeSpan interval)
{
    /// <summary>Watches <paramref name="runId"/>; 0 when it succeeded, 1 when it failed or was cancelled.</summary>
    public async Task<int> WatchAsync(string runId, CancellationToken cancellationToken)
    {
        var output = context.Output;
        var seen = new Dictionary<string, (string Status, int Attempt)>(StringComparer.Ordinal);
        var drawn = 0;
        JsonObject run;
        while (true)
        {
            run = await client.GetRunAsync(runId, cancellationToken);
            if (context.Interactive)
            {
                drawn = Redraw(run, drawn);
            }
            else
            {
                if (seen.Count == 0) await output.WriteLineAsync($"run {runId} ({Show.Str(run["workflowId"])} v{Show.Int(run["version"])}): {Show.Str(run["status"])}");
                await PrintChangesAsync(run, seen);
            }
            if (Show.IsFinal(Show.Str(run["status"]))) break;
            await Task.Delay(interval, context.Time, cancellationToken);
        }
        return await SummarizeAsync(run);
    }

    /// <summary>Prints the closing line of a finished run and returns the exit code its outcome means.</summary>
    public async Task<int> SummarizeAsync(JsonObject run)
    {
        var status = Show.Str(run["status"]);
        var id = Show.Str(run["runId"]);
        var took = Show.Millis(run["durationMs"]);
        var reason = Show.Str(run["reason"]);
        await context.Output.WriteLineAsync(status == "succeeded"
            ? $"run {id} succeeded in {took}"
            : $"run {id} {status} after {took}{(string.IsNullOrEmpty(reason) ? "" : ": " + Show.OneLine(reason))}");
        return status == "succeeded" ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>The tasks of a run as a table whose first column is indented by stage, so the DAG reads as a tree.</summary>
    public static TextTable TaskTable(JsonObject run, DateTimeOffset now)
    {
        var table = new TextTable("TASK", "STATUS", "ATTEMPT", "CODE", "ELAPSED", "REASON");
        foreach (var task in Tasks(run))
        {
            var stage = Show.Int(task["stage"]) ?? 0;
            var name = stage == 0 ? Show.Str(task["id"]) : new string(' ', 2 * (stage - 1)) + "└ " + Show.Str(task["id"]);
            table.Add(name, Show.Str(task["status"]), Attempt(task), Show.Int(task["statusCode"])?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Elapsed(task, now), Show.OneLine(Show.Str(task["reason"]), 80));
        }
        return table;
    }

    private async Task PrintChangesAsync(JsonObject run, Dictionary<string, (string Status, int Attempt)> seen)
    {
        var tasks = Tasks(run).ToList();
        var width = tasks.Count == 0 ? 0 : tasks.Max(t => Show.Str(t["id"])!.Length);
        var started = Show.Instant(run["startedAt"]) ?? Show.Instant(run["createdAt"]);
        var offset = started is { } s ? "+" + Show.Duration(context.Time.GetUtcNow() - s) : "";
        foreach (var task in tasks)
        {
            var id = Show.Str(task["id"])!;
            var now = (Show.Str(task["status"]) ?? "?", Show.Int(task["attempt"]) ?? 0);
            if (seen.TryGetValue(id, out var before) && before == now) continue;
            seen[id] = now;
            var reason = Show.Str(task["reason"]) is { Length: > 0 } r ? "  " + Show.OneLine(r, 100) : "";
            // The reason usually starts with the status code already; name it only when it does not.
            var code = Show.Int(task["statusCode"]) is { } c && !reason.Contains($"HTTP {c}", StringComparison.Ordinal) ? $"  HTTP {c}" : "";
            await context.Output.WriteLineAsync($"{offset,8}  {id.PadRight(width)}  {now.Item1,-9}  attempt {Attempt(task)}{code}{reason}");
        }
    }

    private int Redraw(JsonObject run, int drawn)
    {
        var output = context.Output;
        var now = context.Time.GetUtcNow();
        var lines = new List<string>
        {
            $"run {Show.Str(run["runId"])}  {Show.Str(run["workflowId"])} v{Show.Int(run["version"])}  {Colour(Show.Str(run["status"]))}  {Elapsed(run, now)}",
        };
        lines.AddRange(TaskTable(run, now).Lines((column, text, padded) => column == 1 ? Colour(text, padded) : padded));
        // Move to the start of the previous drawing and clear it, then draw again: the view refreshes in place.
        if (drawn > 0) output.Write($"\u001b[{drawn}F\u001b[J");
        foreach (var line in lines) output.WriteLine(line);
        output.Flush();
        return lines.Count;
    }

    private static IEnumerable<JsonObject> Tasks(JsonObject run) => (run["tasks"] as JsonArray ?? []).OfType<JsonObject>();

    private static string Attempt(JsonObject task) =>
        Show.Int(task["maxAttempts"]) is { } max ? $"{Show.Int(task["attempt"]) ?? 0}/{max}" : $"{Show.Int(task["attempt"]) ?? 0}";

    private static string? Elapsed(JsonObject item, DateTimeOffset now) =>
        Show.Instant(item["startedAt"]) is { } start ? Show.Duration((Show.Instant(item["finishedAt"]) ?? now) - start) : null;

    private static string Colour(string? status) => Colour(status, status ?? "");

    private static string Colour(string? status, string text)
    {
        var code = status switch
        {
            "succeeded" => "32",
            "failed" => "31",
            "cancelled" => "35",
            "running" or "waiting" => "36",
            "retrying" => "33",
            "skipped" => "90",
            _ => null,
        };
        return code is null ? text : $"\u001b[{code}m{text}\u001b[0m";
    }
}
