namespace Loom.Core.Stores;

/// <summary>A backfill with bounded concurrency still under way: the occurrences not started yet and the runs it has active.</summary>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="MaxConcurrent">Most of its runs active at once.</param>
/// <param name="Params">Parameter overrides of its runs (a JSON object, as given).</param>
/// <param name="Pending">Occurrences not started yet, oldest first.</param>
/// <param name="Active">Run ids it started that were not final when last looked at.</param>
/// <param name="ETag">Concurrency token; null when never stored.</param>
public sealed record BackfillQueue(string WorkflowId, int MaxConcurrent, string Params, IReadOnlyList<DateTimeOffset> Pending, IReadOnlyList<string> Active, string? ETag);
