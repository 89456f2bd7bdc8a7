using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Cli.Rendering;

namespace Loom.Cli.Commands;

/// <summary><c>loom run ...</c>: list, show, watch, cancel, retry, redrive, instances.</summary>
internal static class RunCommands
{
    private static readonly string[] Statuses = ["pending", "running", "succeeded", "failed", "cancelled"];

    public static Command Create(CliContext context)
    {
        var command = new Command("run", "Inspect and control runs.");
        command.Aliases.Add("runs");
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(ShowRun(context));
        command.Subcommands.Add(Watch(context));
        command.Subcommands.Add(Cancel(context));
        command.Subcommands.Add(Retry(context));
        command.Subcommands.Add(Redrive(context));
        command.Subcommands.Add(Instances(context));
        return command;
    }

    /// <summary>Runs as a table (for run list and workflow describe).</summary>
    public static TextTable RunTable(JsonArray runs)
    {
        var table = new TextTable("RUN", "WORKFLOW", "STATUS", "TRIGGER", "CREATED", "FINISHED");
        foreach (var run in runs.OfType<JsonObject>())
        {
            table.Add(Show.Str(run["runId"]), $"{Show.Str(run["workflowId"])} v{Show.Int(run["version"])}", Show.Str(run["status"]), Show.Str(run["trigger"]),
                Show.Time(run["createdAt"]), Show.Time(run["finishedAt"]));
        }
        return table;
    }

    private static Command List(CliContext context)
    {
        var workflow = new Option<string?>("--workflow") { Description = "Only runs of this workflow" };
        var status = new Option<string?>("--status") { Description = "Only runs with this status", HelpName = string.Join('|', Statuses) };
        status.AcceptOnlyFromAmong(Statuses);
        var listing = ListingOptions.Create("runs", "runs created");
        var output = CliContext.OutputOption();
        var command = new Command("list", "List runs, newest first.") { workflow, status, listing.Limit, listing.Since, output };
        command.Aliases.Add("ls");
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            if (!listing.TryRead(context, parse, out var n, out var after, out var exit)) return exit;
            var body = await client.ListRunsAsync(parse.GetValue(workflow), parse.GetValue(status), n, after, ct);
            Printer.Write(context.Output, Printer.Parse(parse.GetValue(output)), body, w =>
            {
                var table = RunTable(body["items"] as JsonArray ?? []);
                if (table.Count == 0) w.WriteLine("no runs");
                else table.WriteTo(w);
                if (Show.Str(body["continuation"]) is { Length: > 0 }) w.WriteLine($"(more runs exist; raise --limit above {n} to see them)");
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ShowRun(CliContext context)
    {
        var run = new Argument<string>("run") { Description = "Run id" };
        var output = CliContext.OutputOption();
        var command = new Command("show", "Show a run: status, timings, parameters and every task's state.") { run, output };
        command.Aliases.Add("get");
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            var body = await client.GetRunAsync(parse.GetValue(run)!, ct);
            Printer.Write(context.Output, Printer.Parse(parse.GetValue(output)), body, w =>
            {
                w.WriteLine($"Run:       {Show.Str(body["runId"])}");
                w.WriteLine($"Workflow:  {Show.Str(body["workflowId"])} v{Show.Int(body["version"])}");
                w.WriteLine($"Status:    {Show.Str(body["status"])}{(Show.Str(body["reason"]) is { Length: > 0 } r ? " (" + Show.OneLine(r) + ")" : "")}");
                w.WriteLine($"Trigger:   {Show.Str(body["trigger"])}{(Show.Str(body["retryOf"]) is { Length: > 0 } of ? " of " + of : "")}");
                w.WriteLine($"Created:   {Show.Time(body["createdAt"])}");
                w.WriteLine($"Started:   {Show.Time(body["startedAt"])}");
                w.WriteLine($"Finished:  {Show.Time(body["finishedAt"])}");
                w.WriteLine($"Duration:  {Show.Millis(body["durationMs"])}");
                if (body["params"] is JsonObject p && p.Count > 0) w.WriteLine($"Params:    {string.Join(", ", p.Select(kv => $"{kv.Key}={Printer.CompactJson(kv.Value)}"))}");
                w.WriteLine();
                RunWatcher.TaskTable(body, context.Time.GetUtcNow()).WriteTo(w);
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Watch(CliContext context)
    {
        var run = new Argument<string>("run") { Description = "Run id" };
        var interval = CliContext.IntervalOption();
        var command = new Command("watch", "Follow a run until it ends: a live tree of tasks on a terminal, one line per status change otherwise. Exit 0 when it succeeded, 1 when it failed or was cancelled.") { run, interval };
        context.SetApiAction(command, (parse, client, ct) =>
            new RunWatcher(client, context, CliContext.Interval(parse, interval)).WatchAsync(parse.GetValue(run)!, ct));
        return command;
    }

    private static Command Cancel(CliContext context)
    {
        var run = new Argument<string>("run") { Description = "Run id" };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the run's log)" };
        var wait = new Option<bool>("--wait", "-w") { Description = "Wait until the run has stopped; exit 0 when it ended cancelled, 1 when it finished otherwise first" };
        var interval = CliContext.IntervalOption();
        var command = new Command("cancel", "Cancel a run: no new task starts, running calls are abandoned, the run ends cancelled.") { run, reason, wait, interval };
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            var id = parse.GetValue(run)!;
            await client.CancelRunAsync(id, parse.GetValue(reason), ct);
            await context.Output.WriteLineAsync($"cancelling run {id}");
            if (!parse.GetValue(wait)) return ExitCodes.Ok;
            JsonObject body;
            while (!Show.IsFinal(Show.Str((body = await client.GetRunAsync(id, ct))["status"])))
            {
                await Task.Delay(CliContext.Interval(parse, interval), context.Time, ct);
            }
            var code = await new RunWatcher(client, context, CliContext.Interval(parse, interval)).SummarizeAsync(body);
            return Show.Str(body["status"]) == "cancelled" ? ExitCodes.Ok : code == ExitCodes.Ok ? ExitCodes.Failure : code;
        });
        return command;
    }

    /// <summary><c>loom run redrive ID [--task T]...</c>, shared with <c>loom deadletters redrive</c>.</summary>
    internal static async Task<int> RedriveAsync(CliContext context, Api.LoomApiClient client, string runId, IReadOnlyList<string> tasks, bool wait, TimeSpan interval, CancellationToken ct)
    {
        var body = await client.RedriveRunAsync(runId, tasks, ct);
        var reset = (body["tasks"] as JsonArray ?? []).Select(t => Show.Str(t));
        await context.Output.WriteLineAsync($"redriving run {runId} in place: {string.Join(", ", reset)} run again");
        return wait ? await new RunWatcher(client, context, interval).WatchAsync(runId, ct) : ExitCodes.Ok;
    }

    private static Command Redrive(CliContext context)
    {
        var run = new Argument<string>("run") { Description = "Id of a failed or cancelled run" };
        var task = new Option<string[]>("--task", "-t") { Description = "Run this task (and its downstream) again; repeat for more. Default: every task that did not succeed", AllowMultipleArgumentsPerToken = false };
        var wait = new Option<bool>("--wait", "-w") { Description = "Watch the run until it ends; the exit code is its outcome" };
        var interval = CliContext.IntervalOption();
        var command = new Command("redrive", "Resume a failed or cancelled run in place: same run id, succeeded tasks kept, attempt numbers continue; its dead letters are acknowledged.") { run, task, wait, interval };
        context.SetApiAction(command, (parse, client, ct) =>
            RedriveAsync(context, client, parse.GetValue(run)!, parse.GetValue(task) ?? [], parse.GetValue(wait), CliContext.Interval(parse, interval), ct));
        return command;
    }

    private static Command Instances(CliContext context)
    {
        var run = new Argument<string>("run") { Description = "Run id" };
        var task = new Argument<string>("task") { Description = "Id of a forEach task of the run" };
        var offset = new Option<int>("--offset") { Description = "Index of the first instance", DefaultValueFactory = _ => 0 };
        var limit = new Option<int>("--limit", "-n") { Description = "Most instances to show (1 to 1000)", DefaultValueFactory = _ => 100 };
        var output = CliContext.OutputOption();
        var json = new Option<bool>("--json") { Description = "The API's JSON (the same as -o json)" };
        var command = new Command("instances", "List a forEach task's instances, one line each, in item order: status, attempt, HTTP status, times and reason.") { run, task, offset, limit, output, json };
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            var body = await client.ListInstancesAsync(parse.GetValue(run)!, parse.GetValue(task)!, parse.GetValue(offset), parse.GetValue(limit), ct);
            var format = parse.GetValue(json) ? OutputFormat.Json : Printer.Parse(parse.GetValue(output));
            Printer.Write(context.Output, format, body, w =>
            {
                var items = body["items"] as JsonArray ?? [];
                var total = Show.Int(body["total"]) ?? 0;
                var first = Show.Int(body["offset"]) ?? 0;
                if (items.Count == 0)
                {
                    w.WriteLine(total == 0 ? "no instances (the task's list is not resolved yet, or it is empty)" : $"no instances from {first} (the task has {total})");
                    return;
                }
                ForEachText.Table(items, context.Time.GetUtcNow()).WriteTo(w);
                var last = first + items.Count;
                if (last < total) w.WriteLine($"(instances {first}-{last - 1} of {total}; --offset {last} for the next page)");
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Retry(CliContext context)
    {
        var run = new Argument<string>("run") { Description = "Id of a failed or cancelled run" };
        var wait = new Option<bool>("--wait", "-w") { Description = "Watch the new run until it ends; the exit code is its outcome" };
        var interval = CliContext.IntervalOption();
        var command = new Command("retry", "Start a new run that re-runs only the failed, cancelled and skipped tasks of a run; succeeded tasks keep their output.") { run, wait, interval };
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            var id = parse.GetValue(run)!;
            var started = await client.RetryRunAsync(id, ct);
            await context.Output.WriteLineAsync($"retrying run {id} as {started.RunId}");
            if (!parse.GetValue(wait)) return ExitCodes.Ok;
            return await new RunWatcher(client, context, CliContext.Interval(parse, interval)).WatchAsync(started.RunId, ct);
        });
        return command;
    }
}
