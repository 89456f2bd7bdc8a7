namespace Loom.Core.Stores;

/// <summary>Scheduler bookkeeping of one workflow.</summary>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="LastEvaluated">Occurrences up to this instant have been handled.</param>
/// <param name="ETag">Concurrency token; null when never stored.</param>
public sealed record SchedulerState(string WorkflowId, DateTimeOffset LastEvaluated, string? ETag);
