using System.ComponentModel;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>GET /api/workflows/{id}/stats</c>: a workflow's runs that ended in a time range, from its hourly aggregates.</summary>
public sealed record WorkflowStats(
    [property: Description("Workflow id.")] string WorkflowId,
    [property: Description("Start of the first hour covered (since, rounded down to the hour).")] DateTimeOffset From,
    [property: Description("End of the range: now.")] DateTimeOffset To,
    [property: Description("Runs that ended in the range.")] long Runs,
    [property: Description("Of those, succeeded.")] long Succeeded,
    [property: Description("Of those, failed.")] long Failed,
    [property: Description("Of those, cancelled.")] long Cancelled,
    [property: Description("succeeded / runs, from 0 to 1; null without runs.")] double? SuccessRate,
    [property: Description("Median run duration in milliseconds (within percentileError); null without runs.")] double? DurationP50Ms,
    [property: Description("95th percentile run duration in milliseconds (within percentileError); null without runs.")] double? DurationP95Ms,
    [property: Description("Task attempts after the first, summed over the runs.")] long Retries,
    [property: Description("Runs with at least one retry.")] long RetriedRuns,
    [property: Description("retries / runs; null without runs.")] double? RetriesPerRun,
    [property: Description("The tasks with the longest 95th percentile duration, longest first (top of them).")] IReadOnlyList<TaskStatsView> SlowestTasks,
    [property: Description("Largest relative error of a reported percentile (durations are kept in log-scale buckets): 0.09 means within 9 %.")] double PercentileError);
