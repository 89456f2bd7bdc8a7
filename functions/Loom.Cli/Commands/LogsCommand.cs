using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Cli.Api;
using Loom.Cli.Rendering;

namespace Loom.Cli.Commands;

/// <summary><c>loom logs RUN</c>: every HTTP attempt of a run's tasks with status codes, durations and errors; <c>--follow</c> prints attempts as the run's events announce them until it ends.</summary>
internal static class LogsCommand
{
    public static Command Create(CliContext context)
    {
        var run = new Argument<string>("run") { Description = "Run id" };
        var task = new Option<string?>("--task", "-t") { Description = "Only this task's attempts" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new attempts until the run ends, following the run's event stream (polling its events every --interval where the host has no stream); json: one object per line, yaml: one document per attempt" };
        var interval = CliContext.IntervalOption();
        var output = CliContext.OutputOption();
        var command = new Command("logs", "Show the attempts of a run's tasks: attempt number, HTTP status, outcome, duration, error. JSON is a list of the API's per-task attempt answers.") { run, task, follow, interval, output };
        context.SetApiAction(command, (parse, client, ct) =>
        {
            var options = new LogsOptions(parse.GetValue(run)!, parse.GetValue(task), Printer.Parse(parse.GetValue(output)), CliContext.Interval(parse, interval));
            return parse.GetValue(follow) ? FollowAsync(context, client, options, ct) : PrintAllAsync(context, client, options, ct);
        });
        return command;
    }

    private sealed record LogsOptions(string RunId, string? Task, OutputFormat Format, TimeSpan Interval);

    private static async Task<int> PrintAllAsync(CliContext context, LoomApiClient client, LogsOptions options, CancellationToken ct)
    {
        var run = await client.GetRunAsync(options.RunId, ct);
        var answers = new JsonArray();
        foreach (var taskId in TaskIds(run, options.Task))
        {
            answers.Add(await client.GetAttemptsAsync(options.RunId, taskId, ct));
        }
        Printer.Write(context.Output, options.Format, answers, w =>
        {
            var width = Width(run);
            var rows = answers.OfType<JsonObject>().SelectMany(a => Items(a)).OrderBy(r => Show.Instant(r["startedAt"])).ToList();
            if (rows.Count == 0)
            {
                w.WriteLine($"no attempts yet (run {Show.Str(run["status"])})");
                return;
            }
            w.WriteLine(Header(width));
            foreach (var row in rows) w.WriteLine(Line(row, width));
        });
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Prints each attempt once, as the run's events announce it: from the server's event stream where it has one, else from
    /// the event log polled every interval (the Function App answers the stream with 501); a task's attempts are read when an
    /// event of that task arrives, and every task's once more when the run has ended.
    /// </summary>
    private static async Task<int> FollowAsync(CliContext context, LoomApiClient client, LogsOptions options, CancellationToken ct)
    {
        var run = await client.GetRunAsync(options.RunId, ct);
        var width = Width(run);
        var printed = new HashSet<string>(StringComparer.Ordinal);
        var headerDone = false;

        async Task PrintNewAsync(string taskId)
        {
            var answer = await client.GetAttemptsAsync(options.RunId, taskId, ct);
            foreach (var item in Items(answer))
            {
                if (!printed.Add($"{taskId}\n{Show.Int(item["attempt"])}\n{Show.Str(item["outcome"])}")) continue;
                switch (options.Format)
                {
                    case OutputFormat.Json:
                        await context.Output.WriteLineAsync(Printer.CompactJson(item));
                        break;
                    case OutputFormat.Yaml:
                        await context.Output.WriteLineAsync("---");
                        await context.Output.WriteAsync(Printer.Yaml(item));
                        break;
                    default:
                        if (!headerDone) await context.Output.WriteLineAsync(Header(width));
                        headerDone = true;
                        await context.Output.WriteLineAsync(Line(item, width));
                        break;
                }
            }
        }

        await using (var feed = new RunEventFeed(client, context, options.RunId, options.Interval))
        {
            while (!feed.Done)
            {
                var touched = new List<string>();
                foreach (var e in await feed.NextAsync(ct))
                {
                    // A task that just started has no record of that attempt yet; every later event of a task may have one.
                    if (Show.Str(e["taskId"]) is not { } taskId || Show.Str(e["type"]) == "TaskStarted") continue;
                    if ((options.Task is null || taskId == options.Task) && !touched.Contains(taskId)) touched.Add(taskId);
                }
                foreach (var taskId in touched) await PrintNewAsync(taskId);
            }
        }

        // An attempt's record may land a moment after the event that announced it: read every task once more at the end.
        run = await client.GetRunAsync(options.RunId, ct);
        foreach (var taskId in TaskIds(run, options.Task)) await PrintNewAsync(taskId);
        if (options.Format == OutputFormat.Table)
        {
            await context.Output.WriteLineAsync($"run {options.RunId} {Show.Str(run["status"])}");
        }
        return ExitCodes.Ok;
    }

    private static IEnumerable<JsonObject> TaskObjects(JsonObject run) => (run["tasks"] as JsonArray ?? []).OfType<JsonObject>();

    private static IEnumerable<string> TaskIds(JsonObject run, string? only) =>
        only is not null ? [only] : TaskObjects(run).Where(t => (Show.Int(t["attempt"]) ?? 0) > 0).Select(t => Show.Str(t["id"])!);

    // Each attempt carries its task id so rows from several tasks can be merged and streamed.
    private static IEnumerable<JsonObject> Items(JsonObject answer)
    {
        foreach (var item in (answer["items"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var copy = (JsonObject)item.DeepClone();
            copy.Insert(0, "taskId", Show.Str(answer["taskId"]));
            yield return copy;
        }
    }

    private static int Width(JsonObject run) => Math.Max(4, TaskObjects(run).Select(t => Show.Str(t["id"])?.Length ?? 0).DefaultIfEmpty(0).Max());

    // Wide enough for "timeout, retried in 1m05s".
    private const int OutcomeWidth = 26;

    private static string Header(int width) => $"{"TASK".PadRight(width)}  {"#",3}  {"CODE",4}  {"OUTCOME".PadRight(OutcomeWidth)}  {"DURATION",8}  {"STARTED",-20}  ERROR";

    /// <summary>"failed, retried in 100ms" for an attempt another followed (or will), so a retried failure never reads as final.</summary>
    internal static string Outcome(JsonObject item) =>
        Show.Num(item["retryDelayMs"]) is { } delay ? $"{Show.Str(item["outcome"])}, retried in {Show.Duration(TimeSpan.FromMilliseconds(delay))}" : Show.Str(item["outcome"]) ?? "";

    private static string Line(JsonObject item, int width)
    {
        var code = Show.Int(item["statusCode"])?.ToString(CultureInfo.InvariantCulture) ?? "-";
        var error = Show.Str(item["error"]);
        return $"{(Show.Str(item["taskId"]) ?? "").PadRight(width)}  {Show.Int(item["attempt"]),3}  {code,4}  {Outcome(item).PadRight(OutcomeWidth)}  {Show.Millis(item["durationMs"]),8}  {Show.Time(item["startedAt"]),-20}  {Show.OneLine(error, 160)}".TrimEnd();
    }
}
