namespace Loom.Core.Triggers;

/// <summary>What became of one queue message, for the host's log.</summary>
/// <param name="Queue">The queue.</param>
/// <param name="MessageId">The message id.</param>
/// <param name="Result">What happened.</param>
/// <param name="WorkflowId">The workflow it was for, when one was found.</param>
/// <param name="RunId">The run it started (or had started), when there is one.</param>
/// <param name="Reason">Why it was poisoned, held or failed.</param>
/// <param name="Error">The exception when it failed.</param>
public sealed record QueueMessageOutcome(string Queue, string MessageId, QueueMessageResult Result, string? WorkflowId = null, string? RunId = null, string? Reason = null,
    Exception? Error = null);
