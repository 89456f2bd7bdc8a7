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
    Exception? Error = null)
{
    /// <summary>True when the message left its queue (a run started or found, or it was poisoned): the pass made progress, so the next one need not wait.</summary>
    public bool Handled => Result is QueueMessageResult.Started or QueueMessageResult.Duplicate or QueueMessageResult.Poisoned;
}
