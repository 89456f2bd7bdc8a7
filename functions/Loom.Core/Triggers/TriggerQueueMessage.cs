namespace Loom.Core.Triggers;

/// <summary>One received queue message.</summary>
/// <param name="Queue">The queue it came from.</param>
/// <param name="MessageId">The id the queue gave it (the same on every delivery).</param>
/// <param name="PopReceipt">The receipt of this delivery, needed to extend or delete it.</param>
/// <param name="Body">The message text.</param>
/// <param name="DequeueCount">How many times it has been delivered, this delivery included.</param>
/// <param name="InsertedAt">When it was sent, when the queue says.</param>
public sealed record TriggerQueueMessage(string Queue, string MessageId, string PopReceipt, string Body, long DequeueCount, DateTimeOffset? InsertedAt);
