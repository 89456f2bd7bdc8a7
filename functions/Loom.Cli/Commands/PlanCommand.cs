using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Cli.Rendering;
using Loom.Core.Definitions;
using Loom.Core.Planning;
using Loom.Core.Scheduling;

namespace Loom.Cli.Commands;

/// <summary><c>loom plan FILE [--stats]</c>: the execution stages, the critical path and the next fire times of a workflow, offline; with <c>--stats</c>, the critical path by the durations the server measured.</summary>
internal static class PlanCommand
{
    public static Command Create(CliContext context)
    {
        var output = context.Output;
        var file = new Argument<string>("file") { Description = "Workflow file (YAML or JSON)" };
        var from = new Option<string?>("--from") { Description = "Instant to compute fire times from (ISO-8601); default now" };
        var count = new Option<int>("--count") { Description = "How many fire times to show", DefaultValueFactory = _ => 5 };
        var stats = new Option<bool>("--stats") { Description = "Also weight the critical path by the task durations the server measured (p50 of the last 7 days; uses --url and --key)" };
        var command = new Command("plan", "Show what runs in parallel, the critical path, and the next fire times in the workflow's time zone and in UTC.") { file, from, count, stats };
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            var code = Run(parse.GetValue(file)!, parse.GetValue(from), parse.GetValue(count), output, out var workflow);
            if (code != ExitCodes.Ok || !parse.GetValue(stats) || workflow is null) return code;
            var measured = await client.GetWorkflowStatsAsync(workflow.Id, top: StatsTop, cancellationToken: ct);
            WriteWeighted(output, workflow, measured);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Asks for every task's figures (a bucket keeps at most this many tasks).</summary>
    private const int StatsTop = 200;

    /// <summary>The critical path by measured p50 durations, or why there is none.</summary>
    private static void WriteWeighted(TextWriter output, WorkflowDefinition workflow, JsonObject stats)
    {
        var durations = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var task in (stats["slowestTasks"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (task["taskId"]?.GetValue<string>() is { } id && task["p50Ms"] is JsonValue v && v.TryGetValue<double>(out var ms)) durations[id] = ms;
        }
        output.WriteLine();
        if (!workflow.Tasks.Any(t => durations.ContainsKey(t.Id)))
        {
            output.WriteLine($"Measured critical path: no task of {workflow.Id} has a measured duration yet (no run ended in the last 7 days).");
            return;
        }
        var weighted = WeightedCriticalPath.For(workflow, durations);
        output.WriteLine($"Measured critical path ({Show.Duration(TimeSpan.FromMilliseconds(weighted.TotalMs))} at the p50 of the last 7 days): " +
            string.Join(" -> ", weighted.Path.Select(id => $"{id} ({(durations.TryGetValue(id, out var d) ? Show.Duration(TimeSpan.FromMilliseconds(d)) : "-")})")));
        if (weighted.Unmeasured.Count > 0) output.WriteLine($"  not measured (counted as 0): {string.Join(", ", weighted.Unmeasured)}");
    }

    private static int Run(string path, string? fromText, int count, TextWriter output, out WorkflowDefinition? loaded)
    {
        loaded = null;
        if (count is < 0 or > 1000)
        {
            output.WriteLine("loom plan: --count must be between 0 and 1000");
            return ExitCodes.Usage;
        }
        var from = DateTimeOffset.UtcNow;
        if (fromText is not null && !DateTimeOffset.TryParse(fromText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out from))
        {
            output.WriteLine($"loom plan: --from '{fromText}' is not an ISO-8601 instant (e.g. 2026-11-22T00:00:00Z)");
            return ExitCodes.Usage;
        }
        var (result, problem) = WorkflowFiles.Load(path);
        if (result is null)
        {
            output.WriteLine(problem);
            return ExitCodes.Usage;
        }
        if (!result.IsValid)
        {
            foreach (var e in result.Errors) output.WriteLine($"{path}:{e.Line}:{e.Column}: error: {e.Message}");
            return ExitCodes.Failure;
        }

        var workflow = result.Definition!;
        loaded = workflow;
        var plan = ExecutionPlan.For(workflow);
        output.WriteLine($"{workflow.Id} ({workflow.Name ?? workflow.Id}): {workflow.Tasks.Count} task(s) in {plan.Stages.Count} stage(s)");
        output.WriteLine();
        output.WriteLine("Stages (the tasks of a stage can run in parallel):");
        for (var i = 0; i < plan.Stages.Count; i++)
        {
            output.WriteLine($"  {i + 1}. {string.Join(", ", plan.Stages[i])}");
        }
        output.WriteLine();
        output.WriteLine($"Critical path ({plan.CriticalPath.Count} task(s)): {string.Join(" -> ", plan.CriticalPath)}");
        output.WriteLine();
        var gated = workflow.Tasks.Where(t => t.When is not null || t.Type == TaskTypes.Wait).ToList();
        if (gated.Count > 0)
        {
            output.WriteLine("Waits and conditions (a task whose condition is false when it is ready is skipped):");
            foreach (var t in gated)
            {
                var wait = t.Type != TaskTypes.Wait ? null
                    : t.WaitDuration is { } d ? $"waits {Durations.Format(d)} (no HTTP call)" : $"waits until {t.WaitUntil} (no HTTP call)";
                var condition = t.When is null ? null : $"runs only when {t.When}";
                output.WriteLine($"  {t.Id}: {string.Join("; ", new[] { wait, condition }.Where(x => x is not null))}");
            }

            output.WriteLine();
        }

        if (workflow.Schedule is not { } schedule)
        {
            output.WriteLine("Schedule: none (runs on demand only)");
            return ExitCodes.Ok;
        }
        var cron = CronSchedule.Parse(schedule.Cron, schedule.Timezone);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(schedule.Timezone);
        output.WriteLine($"Schedule: {schedule.Cron} ({CronDescriber.Describe(schedule.Cron)}), time zone {schedule.Timezone}");
        output.WriteLine($"Next {count} fire time(s) after {from.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC:");
        foreach (var at in cron.GetNext(from, count))
        {
            var local = TimeZoneInfo.ConvertTime(at, zone);
            output.WriteLine($"  {local:yyyy-MM-dd HH:mm:ss zzz} {schedule.Timezone,-20} = {at.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC");
        }
        return ExitCodes.Ok;
    }
}
