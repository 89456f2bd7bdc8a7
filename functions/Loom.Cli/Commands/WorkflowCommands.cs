using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Cli.Api;
using Loom.Cli.Rendering;

namespace Loom.Cli.Commands;

/// <summary><c>loom workflow ...</c>: apply, list, describe, delete, pause, resume, trigger, backfill.</summary>
internal static class WorkflowCommands
{
    public static Command Create(CliContext context)
    {
        var command = new Command("workflow", "Register, inspect, pause and start workflows on the server.");
        command.Aliases.Add("workflows");
        command.Subcommands.Add(Apply(context));
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Describe(context));
        command.Subcommands.Add(Delete(context));
        command.Subcommands.Add(Pause(context, paused: true));
        command.Subcommands.Add(Pause(context, paused: false));
        command.Subcommands.Add(Trigger(context));
        command.Subcommands.Add(Backfill(context));
        command.Subcommands.Add(RotateWebhook(context));
        return command;
    }

    private static Command Apply(CliContext context)
    {
        // A bare file is what people type; -f is kubectl's habit. Both work.
        var positional = new Argument<string?>("file") { Description = "Workflow file (YAML or JSON)", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file", "-f") { Description = "The same as FILE (kubectl's spelling)", HelpName = "file" };
        var output = CliContext.OutputOption();
        var command = new Command("apply", "Validate a workflow file locally, then register it: prints created, unchanged, or updated with the new version, and the server's warnings (on stderr).") { positional, file, output };
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            var (bare, flagged) = (parse.GetValue(positional), parse.GetValue(file));
            if (bare is not null && flagged is not null && bare != flagged) return context.UsageError($"give one file: '{bare}' or -f '{flagged}'");
            if ((bare ?? flagged) is not { } path) return context.UsageError("give the workflow file: loom workflow apply FILE (or -f FILE)");
            var (source, result, problem) = WorkflowFiles.Read(path);
            if (result is null) return context.UsageError(problem!.Replace($"{path}: error: ", $"{path}: ", StringComparison.Ordinal));
            if (!result.IsValid)
            {
                foreach (var e in result.Errors) await context.Error.WriteLineAsync($"{path}:{e.Line}:{e.Column}: error: {e.Message}");
                await context.Error.WriteLineAsync($"loom: {path} is invalid ({result.Errors.Count} error(s)); nothing was sent to the server");
                return ExitCodes.Failure;
            }
            ApplyResult applied;
            try
            {
                applied = await client.ApplyWorkflowAsync(source!, WorkflowFiles.IsJson(path, source!), ct);
            }
            catch (LoomApiException ex) when (ex.Errors.Count > 0)
            {
                // The server's parser disagreed with ours (a newer server): show its errors against the file.
                return await context.ReportAsync(ex, client.BaseUrl, null, path);
            }
            var verb = !applied.Created ? "unchanged" : applied.Version == 1 ? "created" : "updated";
            Printer.Write(context.Output, Printer.Parse(parse.GetValue(output)), applied.Body,
                w => w.WriteLine($"{verb} {applied.Id} v{applied.Version}"));
            // Registered, but something looks wrong (a secret the server does not have, a task nothing depends on...): on stderr,
            // so -o json stays one document.
            foreach (var warning in applied.Warnings) await context.Error.WriteLineAsync($"{path}: warning: {warning}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var output = CliContext.OutputOption();
        var command = new Command("list", "List workflows: version, schedule, next fire time, paused, last run.") { output };
        command.Aliases.Add("ls");
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            var body = await client.ListWorkflowsAsync(ct);
            Printer.Write(context.Output, Printer.Parse(parse.GetValue(output)), body, w =>
            {
                var table = new TextTable("ID", "VERSION", "SCHEDULE", "NEXT RUN", "PAUSED", "LAST RUN");
                foreach (var item in (body["items"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    var schedule = item["schedule"] as JsonObject;
                    var last = item["lastRun"] as JsonObject;
                    table.Add(
                        Show.Str(item["id"]),
                        "v" + Show.Int(item["version"]),
                        schedule is null ? "on demand" : $"{Show.Str(schedule["cron"])} ({Show.Str(schedule["description"])})",
                        schedule is null ? "-" : Show.Time(item["nextFireTime"]),
                        Show.Bool(item["paused"]) ? "yes" : "no",
                        last is null ? "-" : $"{Show.Str(last["status"])} {Show.Time(last["createdAt"])}");
                }
                if (table.Count == 0) w.WriteLine("no workflows; register one with 'loom workflow apply FILE'");
                else table.WriteTo(w);
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Describe(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "Workflow id" };
        var runs = new Option<int>("--runs") { Description = "How many recent runs to show", DefaultValueFactory = _ => 5 };
        var output = CliContext.OutputOption();
        var command = new Command("describe", "Show a workflow: tasks, schedule in words, next fire times and recent runs. JSON adds 'recentRuns' to the API's answer.") { id, runs, output };
        command.Aliases.Add("get");
        command.Aliases.Add("show");
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            var count = parse.GetValue(runs);
            if (count is < 0 or > 1000) return context.UsageError("--runs must be between 0 and 1000");
            var workflow = await client.GetWorkflowAsync(parse.GetValue(id)!, ct);
            var recent = count == 0 ? new JsonArray() : (await client.ListRunsAsync(Show.Str(workflow["id"]), limit: count, cancellationToken: ct))["items"]?.DeepClone() as JsonArray ?? [];
            workflow["recentRuns"] = recent;
            Printer.Write(context.Output, Printer.Parse(parse.GetValue(output)), workflow, w => WriteDescription(w, workflow, recent));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteDescription(TextWriter w, JsonObject workflow, JsonArray recent)
    {
        w.WriteLine($"Workflow:     {Show.Str(workflow["id"])} ({Show.Str(workflow["name"])})");
        if (Show.Str(workflow["description"]) is { Length: > 0 } description) w.WriteLine($"Description:  {Show.OneLine(description)}");
        w.WriteLine($"Version:      v{Show.Int(workflow["version"])} (updated {Show.Time(workflow["updatedAt"])})");
        w.WriteLine($"Paused:       {(Show.Bool(workflow["paused"]) ? "yes" : "no")}");
        if (workflow["triggers"] is JsonObject triggers)
        {
            foreach (var queue in triggers["queues"] as JsonArray ?? []) w.WriteLine($"Queue:        {Show.Str(queue)} (unusable messages go to {Show.Str(queue)}-poison)");
            if (triggers["webhook"] is JsonObject webhook)
            {
                var signed = Show.Str(webhook["signingSecret"]) is { } secret ? $", bodies signed with secret {secret}" : "";
                w.WriteLine($"Webhook:      {Show.Str(webhook["url"]) ?? "(the URL is shown to admin keys)"}{signed}");
            }
        }
        if (workflow["schedule"] is JsonObject schedule)
        {
            var zone = Show.Str(schedule["timezone"]) ?? "UTC";
            w.WriteLine($"Schedule:     {Show.Str(schedule["description"])}");
            w.WriteLine($"              cron '{Show.Str(schedule["cron"])}' in {zone}, catchup {Show.Str(schedule["catchup"])}, concurrency {Show.Str(schedule["concurrency"])}");
            var next = (workflow["nextFireTimes"] as JsonArray ?? []).Select(Show.Instant).OfType<DateTimeOffset>().ToList();
            if (next.Count == 0) w.WriteLine("Next runs:    none" + (Show.Bool(workflow["paused"]) ? " (paused)" : ""));
            for (var i = 0; i < next.Count; i++)
            {
                w.WriteLine($"{(i == 0 ? "Next runs:" : ""),-14}{Show.Time(next[i])}{InZone(next[i], zone)}");
            }
        }
        else
        {
            w.WriteLine("Schedule:     none (runs on demand only)");
        }

        var definition = workflow["definition"] as JsonObject;
        if (definition?["params"] is JsonObject parameters && parameters.Count > 0)
        {
            w.WriteLine($"Params:       {string.Join(", ", parameters.Select(p => p.Value is null ? $"{p.Key} (required)" : $"{p.Key}={Printer.CompactJson(p.Value)}"))}");
        }
        var tasks = (definition?["tasks"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        w.WriteLine();
        w.WriteLine($"Tasks ({tasks.Count}):");
        var table = new TextTable("TASK", "REQUEST", "AFTER", "ATTEMPTS", "TIMEOUT");
        foreach (var t in tasks)
        {
            var after = (t["dependsOn"] as JsonArray ?? []).Select(Show.Str).ToList();
            // A wait task calls nothing: show what it waits for instead of a request line; a condition follows either.
            var wait = Show.Str(t["type"]) == "wait";
            var request = wait
                ? t["until"] is { } until ? $"wait until {Show.Str(until)}" : $"wait {Show.Millis(t["durationMs"])}"
                : $"{Show.Str(t["method"])} {Show.Str(t["url"])}";
            if (Show.Str(t["when"]) is { } when) request += $"  when {when}";
            table.Add(Show.Str(t["id"]), request, after.Count == 0 ? "-" : string.Join(", ", after),
                wait ? "-" : Show.Int(t["maxAttempts"])?.ToString(CultureInfo.InvariantCulture), wait ? "-" : Show.Millis(t["timeoutMs"]));
        }
        foreach (var line in table.Lines()) w.WriteLine("  " + line);

        w.WriteLine();
        if (recent.Count == 0)
        {
            w.WriteLine("Recent runs:  none");
            return;
        }
        w.WriteLine("Recent runs:");
        foreach (var line in RunCommands.RunTable(recent).Lines()) w.WriteLine("  " + line);
    }

    private static string InZone(DateTimeOffset at, string zone)
    {
        if (zone is "UTC" or "Etc/UTC") return "";
        try
        {
            var local = TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById(zone));
            return $"  ({local:yyyy-MM-dd HH:mm zzz} {zone})";
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return "";
        }
    }

    private static Command Delete(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "Workflow id" };
        var command = new Command("delete", "Stop scheduling a workflow and remove it from the list; its runs stay.") { id };
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            var body = await client.DeleteWorkflowAsync(parse.GetValue(id)!, ct);
            await context.Output.WriteLineAsync($"deleted {Show.Str(body["id"])}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Pause(CliContext context, bool paused)
    {
        var id = new Argument<string>("id") { Description = "Workflow id" };
        var command = new Command(paused ? "pause" : "resume", paused ? "Stop starting scheduled runs (manual triggers still work)." : "Start scheduled runs again.") { id };
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            var body = await client.SetPausedAsync(parse.GetValue(id)!, paused, ct);
            await context.Output.WriteLineAsync($"{(paused ? "paused" : "resumed")} {Show.Str(body["id"])}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command RotateWebhook(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "Workflow id" };
        var command = new Command("rotate-webhook", "Give the workflow's webhook a new URL and print it; the old URL stops starting runs at once (admin key).") { id };
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            var body = await client.RotateWebhookAsync(parse.GetValue(id)!, ct);
            await context.Output.WriteLineAsync(Show.Str(body["url"]));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Trigger(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "Workflow id" };
        var param = new Option<string[]>("--param", "-p")
        {
            Description = "A parameter as name=value; the value is read as JSON when it parses (42, true, [1,2], {\"a\":1}), else as a string. Repeat for more.",
            Arity = ArgumentArity.ZeroOrMore,
            HelpName = "name=value",
        };
        var wait = new Option<bool>("--wait", "-w") { Description = "Watch the run until it ends; the exit code is its outcome (0 succeeded, 1 failed or cancelled)" };
        var interval = CliContext.IntervalOption();
        var command = new Command("trigger", "Start a run now, with parameters.") { id, param, wait, interval };
        command.Aliases.Add("run");
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            var parameters = new JsonObject();
            foreach (var pair in parse.GetValue(param) ?? [])
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0) return context.UsageError($"--param '{pair}' is not name=value");
                parameters[pair[..eq]] = ParamValue(pair[(eq + 1)..]);
            }
            var started = await client.TriggerAsync(parse.GetValue(id)!, parameters, ct);
            await context.Output.WriteLineAsync($"started run {started.RunId}");
            if (!parse.GetValue(wait)) return ExitCodes.Ok;
            return await new RunWatcher(client, context, CliContext.Interval(parse, interval)).WatchAsync(started.RunId, ct);
        });
        return command;
    }

    /// <summary>A --param value: JSON when it parses (numbers, booleans, null, arrays, objects, quoted strings), else the text itself.</summary>
    internal static JsonNode? ParamValue(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    private static Command Backfill(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "Workflow id" };
        var from = new Option<string>("--from") { Description = "First instant (ISO-8601, e.g. 2026-11-01 or 2026-11-01T00:00:00Z; UTC unless an offset is given)", Required = true };
        var to = new Option<string>("--to") { Description = "Last instant, inclusive", Required = true };
        var maxConcurrent = new Option<int?>("--max-concurrent") { Description = "At most this many of the backfill's runs at once (1-1000); the rest are queued and started as earlier ones finish" };
        var output = CliContext.OutputOption();
        var command = new Command("backfill", "Start the runs of every scheduled occurrence in a time range (each occurrence runs at most once).") { id, from, to, maxConcurrent, output };
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            if (!TryInstant(parse.GetValue(from)!, out var start)) return context.UsageError($"--from '{parse.GetValue(from)}' is not an ISO-8601 instant (e.g. 2026-11-01T00:00:00Z)");
            if (!TryInstant(parse.GetValue(to)!, out var end)) return context.UsageError($"--to '{parse.GetValue(to)}' is not an ISO-8601 instant (e.g. 2026-11-08T00:00:00Z)");
            if (end < start) return context.UsageError("--to is before --from");
            if (parse.GetValue(maxConcurrent) is { } limit && limit is < 1 or > 1000) return context.UsageError($"--max-concurrent must be from 1 to 1000, not {limit}");
            var body = await client.BackfillAsync(parse.GetValue(id)!, start, end, parse.GetValue(maxConcurrent), ct);
            Printer.Write(context.Output, Printer.Parse(parse.GetValue(output)), body, w =>
            {
                var started = (body["runIds"] as JsonArray ?? []).Select(Show.Str).ToList();
                var existing = (body["alreadyExisting"] as JsonArray ?? []).Select(Show.Str).ToList();
                var queued = (body["queued"] as JsonArray ?? []).Select(Show.Str).ToList();
                w.WriteLine($"{Show.Int(body["occurrences"])} occurrence(s): started {started.Count} run(s), {existing.Count} already existed" +
                    (queued.Count > 0 ? $", {queued.Count} queued (at most {Show.Int(body["maxConcurrent"])} at once)" : ""));
                foreach (var run in started) w.WriteLine($"  started  {run}");
                foreach (var run in existing) w.WriteLine($"  exists   {run}");
                foreach (var run in queued) w.WriteLine($"  queued   {run}");
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    private static bool TryInstant(string text, out DateTimeOffset at) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at);
}
