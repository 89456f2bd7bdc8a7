using System.Text.Json.Nodes;
using Loom.Cli.Api;
using Loom.Cli.Rendering;

namespace Loom.Cli.Commands;

/// <summary>
/// Follows a run until it ends, from its event log: the server's event stream where it has one, else by polling the log
/// every interval. On a terminal it redraws a tree of tasks in place at every event; otherwise it prints one line per event,
/// stamped with the event's own time since the run started, so a finished run shows its real history and a retry is never
/// missed between two polls.
/// </summary>
internal sealed class RunWatcher(LoomApiClient client, CliContext context, TimeSpan interval)
{
    /// <summary>Watches <paramref name="runId"/>; 0 when it succeeded, 1 when it failed or was cancelled.</summary>
    public async Task<int> WatchAsync(string runId, CancellationToken cancellationToken)
    {
        var run = await client.GetRunAsync(runId, cancellationToken);
        var lines = new EventLines(run);
        var drawn = 0;
        if (context.Interactive) drawn = Redraw(run, drawn);
        else await context.Output.WriteLineAsync($"run {runId} ({Show.Str(run["workflowId"])} v{Show.Int(run["version"])}): {Show.Str(run["status"])}");

        await using (var feed = new RunEventFeed(client, context, runId, interval))
        {
            while (!feed.Done)
            {
                var batch = await feed.NextAsync(cancellationToken);
                if (batch.Count == 0) continue;
                if (context.Interactive)
                {
                    drawn = Redraw(await client.GetRunAsync(runId, cancellationToken), drawn);
                }
                else
                {
                    foreach (var e in batch) await context.Output.WriteLineAsync(lines.Line(e));
                }
            }
        }
        run = await client.GetRunAsync(runId, cancellationToken);
        if (context.Interactive) Redraw(run, drawn);
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
            table.Add(name, Show.Str(task["status"]), Show.Str(task["type"]) == "wait" ? "wait" : Attempt(task), Show.Int(task["statusCode"])?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Elapsed(task, now), Reason(task));
        }
        return table;
    }

    // A forEach task's instance counts lead its reason, so its line reads "3/10 succeeded, 2 running, 1 retrying".
    private static string? Reason(JsonObject task)
    {
        var reason = Show.OneLine(Show.Str(task["reason"]), 80);
        return ForEachText.Counts(task["instances"]) is { } counts ? (string.IsNullOrEmpty(reason) ? counts : $"{counts}; {reason}") : reason;
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
