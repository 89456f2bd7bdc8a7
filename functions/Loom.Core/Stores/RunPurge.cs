namespace Loom.Core.Stores;

/// <summary>A run whose deletion has begun: what the store needs to find every row of it again, after a crash too.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="WorkflowId">Its workflow (the listing index rows and dead letters are keyed by it).</param>
/// <param name="CreatedAt">When it was created (the listing index rows are keyed by it).</param>
/// <param name="FinishedAt">When it finished (bounds the search for its dead letters); null when unknown.</param>
public sealed record RunPurge(string RunId, string WorkflowId, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt);
