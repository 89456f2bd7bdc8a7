namespace Loom.Storage.Tables;

/// <summary>Loom's surface over one table; <see cref="TableClient"/> speaks REST, and an Azure.Data.Tables adapter could replace it in one file.</summary>
public interface ITableClient
{
    /// <summary>The table's name.</summary>
    string Name { get; }

    /// <summary>Creates the table; false when it already existed.</summary>
    Task<bool> CreateIfNotExistsAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes the table; false when it did not exist.</summary>
    Task<bool> DeleteIfExistsAsync(CancellationToken cancellationToken = default);

    /// <summary>One entity, or null when it does not exist.</summary>
    Task<TableEntity?> GetEntityAsync(string partitionKey, string rowKey, IReadOnlyList<string>? select = null, CancellationToken cancellationToken = default);

    /// <summary>Inserts a new entity and returns its ETag; <see cref="StorageErrorKind.Conflict"/> when it exists.</summary>
    Task<string> AddEntityAsync(TableEntity entity, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces/merges an entity; returns the new ETag.</summary>
    Task<string> UpsertEntityAsync(TableEntity entity, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken cancellationToken = default);

    /// <summary>Replaces or merges an existing entity if its ETag matches; <see cref="StorageErrorKind.PreconditionFailed"/> otherwise.</summary>
    Task<string> UpdateEntityAsync(TableEntity entity, string ifMatch, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken cancellationToken = default);

    /// <summary>Deletes an entity if its ETag matches; false when it did not exist.</summary>
    Task<bool> DeleteEntityAsync(string partitionKey, string rowKey, string ifMatch = "*", CancellationToken cancellationToken = default);

    /// <summary>One page of a query.</summary>
    Task<TablePage> QueryPageAsync(TableQuery query, TableContinuation? continuation = null, CancellationToken cancellationToken = default);

    /// <summary>All entities matching a query.</summary>
    IAsyncEnumerable<TableEntity> QueryAsync(TableQuery query, CancellationToken cancellationToken = default);

    /// <summary>Commits up to 100 operations on one partition atomically.</summary>
    Task<IReadOnlyList<string?>> SubmitTransactionAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default);
}

/// <summary>Hands out <see cref="ITableClient"/>s of one account.</summary>
public interface ITableServiceClient
{
    /// <summary>A client for one table (the table is not created).</summary>
    ITableClient GetTableClient(string tableName);
}
