namespace Loom.Storage.Tables;

/// <summary>How an update or upsert treats properties the entity does not carry.</summary>
public enum TableUpdateMode
{
    /// <summary>Replace the whole entity (properties not sent are removed).</summary>
    Replace,

    /// <summary>Merge into the stored entity (properties not sent are kept).</summary>
    Merge,
}

/// <summary>The service's continuation position between query pages.</summary>
/// <param name="NextPartitionKey">x-ms-continuation-NextPartitionKey.</param>
/// <param name="NextRowKey">x-ms-continuation-NextRowKey, when sent.</param>
public sealed record TableContinuation(string NextPartitionKey, string? NextRowKey);

/// <summary>A query: OData filter, projection and page size.</summary>
/// <param name="Filter">$filter expression, e.g. <c>PartitionKey eq 'p' and RowKey ge 'a'</c>; null for all.</param>
/// <param name="Select">Properties to return; null for all.</param>
/// <param name="Top">Page size (at most 1,000); null for the service's default of 1,000.</param>
public sealed record TableQuery(string? Filter = null, IReadOnlyList<string>? Select = null, int? Top = null);

/// <summary>One page of query results and where the next starts (null on the last).</summary>
public sealed record TablePage(IReadOnlyList<TableEntity> Entities, TableContinuation? Continuation);

/// <summary>What one operation of an entity group transaction does.</summary>
public enum TableTransactionActionType
{
    /// <summary>Insert; the transaction fails when the entity exists.</summary>
    Add,

    /// <summary>Insert or replace.</summary>
    UpsertReplace,

    /// <summary>Insert or merge.</summary>
    UpsertMerge,

    /// <summary>Replace an existing entity (If-Match ETag, "*" for any).</summary>
    UpdateReplace,

    /// <summary>Merge into an existing entity (If-Match ETag, "*" for any).</summary>
    UpdateMerge,

    /// <summary>Delete (If-Match ETag, "*" for any).</summary>
    Delete,
}

/// <summary>One operation of an entity group transaction.</summary>
/// <param name="Type">What to do.</param>
/// <param name="Entity">The entity (only its keys for a delete).</param>
/// <param name="ETag">If-Match for updates and deletes; null means "*".</param>
public sealed record TableTransactionAction(TableTransactionActionType Type, TableEntity Entity, string? ETag = null);
