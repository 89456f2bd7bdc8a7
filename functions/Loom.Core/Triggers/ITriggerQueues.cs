namespace Loom.Core.Triggers;

/// <summary>The storage queues of queue triggers, as the pump needs them (the host's adapter is Azure.Storage.Queues).</summary>
public interface ITriggerQueues
{
    /// <summary>Up to <paramref name="maxMessages"/> messages, each invisible to other readers for <paramref name="visibility"/>; none when the queue is empty or does not exist yet.</summary>
    Task<IReadOnlyList<TriggerQueueMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan visibility, CancellationToken cancellationToken = default);

    /// <summary>Keeps <paramref name="message"/> invisible for <paramref name="visibility"/> from now; the returned copy carries the new pop receipt.</summary>
    Task<TriggerQueueMessage> ExtendAsync(TriggerQueueMessage message, TimeSpan visibility, CancellationToken cancellationToken = default);

    /// <summary>Deletes a received message; false when it was gone already or its lease passed to another reader.</summary>
    Task<bool> DeleteAsync(TriggerQueueMessage message, CancellationToken cancellationToken = default);

    /// <summary>Adds a message to <paramref name="queue"/>, creating the queue when it does not exist.</summary>
    Task SendAsync(string queue, string text, CancellationToken cancellationToken = default);
}
