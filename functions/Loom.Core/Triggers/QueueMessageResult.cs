namespace Loom.Core.Triggers;

/// <summary>What became of one queue message.</summary>
public enum QueueMessageResult
{
    /// <summary>A run started and the message was deleted.</summary>
    Started,

    /// <summary>Its run had started already (a redelivery): the message was deleted, no second run.</summary>
    Duplicate,

    /// <summary>It cannot start a run: it went to the poison queue with the reason and was deleted.</summary>
    Poisoned,

    /// <summary>Its workflow is paused: the message stays in the queue until it is resumed.</summary>
    Held,

    /// <summary>Starting failed for a reason that may pass (storage): the message reappears after its lease.</summary>
    Failed,
}
