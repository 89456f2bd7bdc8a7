using System.Collections.Concurrent;
using Azure;
using Azure.Core;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Loom.Core.Triggers;

namespace Loom.Storage.Queues;

/// <summary>The queues of queue triggers on Azure Queue storage (Azure.Storage.Queues); messages are read and written as plain text.</summary>
public sealed class AzureTriggerQueues(QueueServiceClient service) : ITriggerQueues
{
    private readonly ConcurrentDictionary<string, QueueClient> _clients = new(StringComparer.Ordinal);

    /// <summary>From a connection string (<c>UseDevelopmentStorage=true</c>, an account key, explicit endpoints).</summary>
    public static AzureTriggerQueues Create(string connectionString) => new(new QueueServiceClient(connectionString, ClientOptions()));

    /// <summary>From the Queue service's URI and a token credential (managed identity in Azure).</summary>
    public static AzureTriggerQueues Create(Uri queueServiceUri, TokenCredential credential) => new(new QueueServiceClient(queueServiceUri, credential, ClientOptions()));

    /// <summary>
    /// Client options with the service version pinned: the SDK's default (2026-10-06) is newer than what Azurite (3.37, the
    /// self-hosted default) accepts; Azure serves both.
    /// </summary>
    public static QueueClientOptions ClientOptions() => new(QueueClientOptions.ServiceVersion.V2026_06_06);

    /// <inheritdoc />
    public async Task<IReadOnlyList<TriggerQueueMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        var client = Client(queue);
        QueueMessage[] messages;
        try
        {
            messages = (await client.ReceiveMessagesAsync(maxMessages, visibility, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.ErrorCode == QueueErrorCode.QueueNotFound)
        {
            // A declared queue that nobody has written to yet: create it, so senders find it.
            await client.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return [];
        }

        return [.. messages.Select(m => new TriggerQueueMessage(queue, m.MessageId, m.PopReceipt, m.Body?.ToString() ?? "", m.DequeueCount, m.InsertedOn))];
    }

    /// <inheritdoc />
    public async Task<TriggerQueueMessage> ExtendAsync(TriggerQueueMessage message, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var receipt = await Client(message.Queue).UpdateMessageAsync(message.MessageId, message.PopReceipt, (string?)null, visibility, cancellationToken).ConfigureAwait(false);
        return message with { PopReceipt = receipt.Value.PopReceipt };
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(TriggerQueueMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            await Client(message.Queue).DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.ErrorCode == QueueErrorCode.MessageNotFound || e.ErrorCode == QueueErrorCode.PopReceiptMismatch)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task SendAsync(string queue, string text, CancellationToken cancellationToken = default)
    {
        var client = Client(queue);
        try
        {
            await client.SendMessageAsync(text, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.ErrorCode == QueueErrorCode.QueueNotFound)
        {
            await client.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await client.SendMessageAsync(text, cancellationToken).ConfigureAwait(false);
        }
    }

    private QueueClient Client(string queue) => _clients.GetOrAdd(queue, service.GetQueueClient);
}
