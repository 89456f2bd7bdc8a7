using System.CommandLine;
using System.Globalization;
using Loom.Core.Definitions;
using Loom.Core.Planning;
using Loom.Core.Scheduling;

namespace Loom.Cli.Commands;

/// <summary><c>loom plan FILE</c>: the execution stages, the critical path and the next fire times of a workflow, offline.</summary>
internal static class PlanCommand
{
    public static Command Create(TextWriter output)
    {
        var file = new Argument<string>("file") { Description = "Workflow file (YAML or JSON)" };
        var from = new Option<string?>("--from") { Description = "Instant to compute fire times from (ISO-8601); default now" };
        var count = new Option<int>("--count") { Description = "How many fire times to show", DefaultValueFactory = _ => 5 };
        var command = new Command("plan", "Show what runs in parallel, the critical path, and the next fire times in the workflow's time zone and in UTC.") { file, from, count };
        command.SetAction(parse => Run(parse.GetValue(file)!, parse.GetValue(from), parse.GetValue(count), output));
        return command;
    }

    private static int Run(string path, string? fromText, int count, TextWriter output)
    {
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
