namespace Loom.Core.Stores;

/// <summary>A stored, immutable version of a workflow's source.</summary>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="Version">1-based version number.</param>
/// <param name="ContentHash">SHA-256 (hex) of the normalised source; identical content yields the same version.</param>
/// <param name="Source">The source as registered.</param>
/// <param name="CreatedAt">When this version was registered.</param>
public sealed record WorkflowVersionRecord(string WorkflowId, int Version, string ContentHash, string Source, DateTimeOffset CreatedAt);
