using Azure.Core.Pipeline;
using Loom.Storage.Connection;

namespace Loom.Storage.Queues;

/// <summary>Entry point to one account's Queue service: hands out <see cref="QueueClient"/>s that share one pipeline.</summary>
public sealed class QueueServiceClient : IQueueServiceClient
{
    private readonly HttpPipeline _pipeline;
    private readonly StorageClientOptions _options;

    /// <summary>Creates the client for a connection.</summary>
    public QueueServiceClient(StorageConnection connection, StorageClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Connection = connection;
        _options = options ?? new StorageClientOptions();
        _pipeline = StoragePipeline.Build(connection, _options, StorageService.Queue);
    }

    /// <summary>Creates the client from a connection string.</summary>
    public QueueServiceClient(string connectionString, StorageClientOptions? options = null)
        : this(StorageConnection.Parse(connectionString), options)
    {
    }

    /// <summary>The connection this client uses.</summary>
    public StorageConnection Connection { get; }

    /// <summary>A client for one queue (the queue is not created).</summary>
    public QueueClient GetQueueClient(string queueName) => new(_pipeline, Connection.QueueEndpoint, queueName, _options);

    IQueueClient IQueueServiceClient.GetQueueClient(string queueName) => GetQueueClient(queueName);
}
