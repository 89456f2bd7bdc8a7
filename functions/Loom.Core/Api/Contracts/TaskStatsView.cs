using System.ComponentModel;

namespace Loom.Core.Api.Contracts;

/// <summary>One task's figures in a workflow's statistics.</summary>
public sealed record TaskStatsView(
    [property: Description("Task id.")] string TaskId,
    [property: Description("Runs in which the task ran to an end (succeeded or failed).")] long Runs,
    [property: Description("Of those, the runs where it failed for good.")] long Failed,
    [property: Description("Its attempts after the first, summed over the runs.")] long Retries,
    [property: Description("Median duration in milliseconds, from its first attempt's start to its end (within percentileError).")] double? P50Ms,
    [property: Description("95th percentile duration in milliseconds (within percentileError).")] double? P95Ms);
