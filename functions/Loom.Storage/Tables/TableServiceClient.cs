using Azure.Core.Pipeline;
using Loom.Storage.Connection;

namespace Loom.Storage.Tables;

/// <summary>Entry point to one account's Table service: hands out <see cref="TableClient"/>s that share one pipeline.</summary>
public sealed class TableServiceClient : ITableServiceClient
{
    private readonly HttpPipeline _pipeline;
    private readonly StorageClientOptions _options;

    /// <summary>Creates the client for a connection.</summary>
    public TableServiceClient(StorageConnection connection, StorageClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Connection = connection;
        _options = options ?? new StorageClientOptions();
        _pipeline = StoragePipeline.Build(connection, _options, StorageService.Table);
    }

    /// <summary>Creates the client from a connection string.</summary>
    public TableServiceClient(string connectionString, StorageClientOptions? options = null)
        : this(StorageConnection.Parse(connectionString), options)
    {
    }

    /// <summary>The connection this client uses.</summary>
    public StorageConnection Connection { get; }

    /// <summary>A client for one table (the table is not created).</summary>
    public TableClient GetTableClient(string tableName) => new(_pipeline, Connection.TableEndpoint, tableName, _options.TableApiVersion);

    ITableClient ITableServiceClient.GetTableClient(string tableName) => GetTableClient(tableName);
}
