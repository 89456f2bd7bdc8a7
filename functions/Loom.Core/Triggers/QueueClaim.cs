namespace Loom.Core.Triggers;

/// <summary>A queue another workflow declares already.</summary>
/// <param name="Queue">The queue.</param>
/// <param name="WorkflowId">The workflow that declares it.</param>
public sealed record QueueClaim(string Queue, string WorkflowId);
