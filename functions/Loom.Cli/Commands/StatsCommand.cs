using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Cli.Rendering;
using Loom.Core.Definitions;

namespace Loom.Cli.Commands;

/// <summary><c>loom stats WORKFLOW [--since]</c>: a workflow's success rate, run durations, retries and slowest tasks.</summary>
internal static class StatsCommand
{
    public static Command Create(CliContext context)
    {
        var workflow = new Argument<string>("workflow") { Description = "Workflow id" };
        var since = new Option<string?>("--since") { Description = "Runs that ended since this instant (ISO-8601) or this long ago (24h, 3d); default 7 days, at most 31" };
        var top = new Option<int?>("--top") { Description = "How many of the slowest tasks to list (default 5)" };
        var output = CliContext.OutputOption();
        var command = new Command("stats", "Show a workflow's run statistics: runs by status, success rate, duration p50/p95, retries, slowest tasks.") { workflow, since, top, output };
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            DateTimeOffset? from = null;
            if (parse.GetValue(since) is { } text)
            {
                if (Durations.TryParse(text, out var ago)) from = context.Time.GetUtcNow() - ago;
                else if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) from = at;
                else return context.UsageError($"--since '{text}' is neither an ISO-8601 instant nor a duration like 24h or 7d");
            }
            var body = await client.GetWorkflowStatsAsync(parse.GetValue(workflow)!, from, parse.GetValue(top), ct);
            Printer.Write(context.Output, Printer.Parse(parse.GetValue(output)), body, w => Render(w, body));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Render(TextWriter w, JsonObject body)
    {
        var runs = Long(body["runs"]);
        w.WriteLine($"{body["workflowId"]} since {Show.Time(body["from"])}: {runs} run(s)");
        if (runs == 0)
        {
            w.WriteLine("No run ended in this range.");
            return;
        }
        w.WriteLine($"  succeeded {Long(body["succeeded"])}, failed {Long(body["failed"])}, cancelled {Long(body["cancelled"])}; success rate {Percent(body["successRate"])}");
        w.WriteLine($"  duration p50 {Show.Millis(body["durationP50Ms"])}, p95 {Show.Millis(body["durationP95Ms"])}");
        w.WriteLine($"  retries {Long(body["retries"])} ({Number(body["retriesPerRun"])} per run; {Long(body["retriedRuns"])} run(s) retried)");
        var tasks = (body["slowestTasks"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (tasks.Count == 0) return;
        w.WriteLine();
        w.WriteLine("Slowest tasks (by p95):");
        var table = new TextTable("TASK", "P50", "P95", "RUNS", "FAILED", "RETRIES");
        foreach (var t in tasks)
        {
            table.Add(t["taskId"]?.ToString() ?? "", Show.Millis(t["p50Ms"]), Show.Millis(t["p95Ms"]), Long(t["runs"]).ToString(CultureInfo.InvariantCulture),
                Long(t["failed"]).ToString(CultureInfo.InvariantCulture), Long(t["retries"]).ToString(CultureInfo.InvariantCulture));
        }
        table.WriteTo(w);
        w.WriteLine($"(percentiles within {Percent(body["percentileError"])})");
    }

    private static long Long(JsonNode? node) => Show.Long(node) ?? 0;

    private static string Percent(JsonNode? node) => Show.Num(node) is { } d ? (d * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %" : "-";

    private static string Number(JsonNode? node) => Show.Num(node) is { } d ? d.ToString("0.##", CultureInfo.InvariantCulture) : "-";
}
