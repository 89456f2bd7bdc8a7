namespace Loom.Storage.Queues;

/// <summary>A received message: its text, the pop receipt that proves the lease, and how often it was dequeued.</summary>
/// <param name="MessageId">Service id of the message.</param>
/// <param name="PopReceipt">Needed to delete or update the message; replaced by every update.</param>
/// <param name="Text">The message text (decoded).</param>
/// <param name="DequeueCount">How many times the message was received (poison detection).</param>
/// <param name="InsertedOn">When the message was enqueued.</param>
/// <param name="ExpiresOn">When the message expires; null when it never does.</param>
/// <param name="NextVisibleOn">When the message becomes visible again unless deleted.</param>
public sealed record QueueMessage(string MessageId, string PopReceipt, string Text, long DequeueCount, DateTimeOffset InsertedOn, DateTimeOffset? ExpiresOn, DateTimeOffset NextVisibleOn);

/// <summary>A message seen without taking a lease.</summary>
/// <param name="MessageId">Service id of the message.</param>
/// <param name="Text">The message text (decoded).</param>
/// <param name="DequeueCount">How many times the message was received.</param>
/// <param name="InsertedOn">When the message was enqueued.</param>
/// <param name="ExpiresOn">When the message expires; null when it never does.</param>
public sealed record PeekedMessage(string MessageId, string Text, long DequeueCount, DateTimeOffset InsertedOn, DateTimeOffset? ExpiresOn);

/// <summary>What the service answered to a send.</summary>
/// <param name="MessageId">Service id of the message.</param>
/// <param name="PopReceipt">Pop receipt of the new message.</param>
/// <param name="NextVisibleOn">When the message first becomes visible.</param>
public sealed record SendReceipt(string MessageId, string PopReceipt, DateTimeOffset NextVisibleOn);

/// <summary>What the service answered to an update: the new pop receipt and visibility.</summary>
/// <param name="PopReceipt">The pop receipt to use from now on.</param>
/// <param name="NextVisibleOn">When the message becomes visible again.</param>
public sealed record UpdateReceipt(string PopReceipt, DateTimeOffset NextVisibleOn);
