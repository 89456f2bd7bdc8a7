namespace Loom.Storage.Queues;

/// <summary>Loom's surface over one queue; <see cref="QueueClient"/> speaks REST, and an Azure.Storage.Queues adapter could replace it in one file.</summary>
public interface IQueueClient
{
    /// <summary>The queue's name.</summary>
    string Name { get; }

    /// <summary>Creates the queue; false when it already existed.</summary>
    Task<bool> CreateIfNotExistsAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes the queue; false when it did not exist.</summary>
    Task<bool> DeleteIfExistsAsync(CancellationToken cancellationToken = default);

    /// <summary>Sends a message hidden for <paramref name="visibilityDelay"/> (any length) and kept for <paramref name="timeToLive"/> (null: forever).</summary>
    Task<SendReceipt> SendMessageAsync(string text, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default);

    /// <summary>Receives up to 32 due messages, each leased for <paramref name="visibilityTimeout"/>.</summary>
    Task<IReadOnlyList<QueueMessage>> ReceiveMessagesAsync(int maxMessages = 1, TimeSpan? visibilityTimeout = null, CancellationToken cancellationToken = default);

    /// <summary>Visible messages, without a lease.</summary>
    Task<IReadOnlyList<PeekedMessage>> PeekMessagesAsync(int maxMessages = 1, CancellationToken cancellationToken = default);

    /// <summary>Changes a received message's lease and optionally its text; returns the new pop receipt.</summary>
    Task<UpdateReceipt> UpdateMessageAsync(string messageId, string popReceipt, TimeSpan visibilityTimeout, string? newText = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a received message.</summary>
    Task DeleteMessageAsync(string messageId, string popReceipt, CancellationToken cancellationToken = default);

    /// <summary>Deletes every message.</summary>
    Task ClearMessagesAsync(CancellationToken cancellationToken = default);

    /// <summary>The approximate number of messages.</summary>
    Task<int> GetApproximateMessageCountAsync(CancellationToken cancellationToken = default);
}

/// <summary>Hands out <see cref="IQueueClient"/>s of one account.</summary>
public interface IQueueServiceClient
{
    /// <summary>A client for one queue (the queue is not created).</summary>
    IQueueClient GetQueueClient(string queueName);
}
