namespace Loom.Core.Stores;

/// <summary>The head row of a workflow: its current version and operational flags.</summary>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="CurrentVersion">The version new runs use.</param>
/// <param name="Paused">When true the scheduler starts no runs.</param>
/// <param name="Deleted">When true the workflow is hidden and never scheduled; its history is kept.</param>
/// <param name="UpdatedAt">Last change of the head.</param>
/// <param name="ETag">Concurrency token of the head row.</param>
public sealed record WorkflowHead(string WorkflowId, int CurrentVersion, bool Paused, bool Deleted, DateTimeOffset UpdatedAt, string ETag);
