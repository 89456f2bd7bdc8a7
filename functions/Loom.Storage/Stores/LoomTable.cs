using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;

namespace Loom.Storage.Stores;

/// <summary>
/// One of Loom's tables through Azure.Data.Tables: created on first use (once per process), entities checked against the
/// service's limits before they are sent, and every failed response turned into a typed <see cref="StorageException"/>.
/// </summary>
/// <remarks>Failures without a response (connection refused, timeouts) stay the SDK's exceptions, as the hosts' outage handling expects.</remarks>
internal sealed class LoomTable(TableServiceClient service, string name)
{
    private readonly TableClient _client = service.GetTableClient(name);
    private Task? _created;

    /// <summary>The table's name.</summary>
    public string Name => _client.Name;

    /// <summary>One entity, or null when it does not exist.</summary>
    public async Task<TableEntity?> GetAsync(string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await _client.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            return response.HasValue ? response.Value : null;
        }
        catch (RequestFailedException e) when (e.Status != 0)
        {
            throw StorageErrors.FromResponse(e, $"Get entity from {Name}");
        }
    }

    /// <summary>Inserts a new entity and returns its ETag; <see cref="StorageErrorKind.Conflict"/> when it exists.</summary>
    public async Task<string> AddAsync(TableEntity entity, CancellationToken cancellationToken)
    {
        TableLimits.Prepare(entity);
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return ETagOf(await _client.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false));
        }
        catch (RequestFailedException e) when (e.Status != 0)
        {
            throw StorageErrors.FromResponse(e, $"Insert into {Name}");
        }
    }

    /// <summary>Inserts or replaces an entity regardless of what is stored; returns the new ETag.</summary>
    public async Task<string> UpsertAsync(TableEntity entity, CancellationToken cancellationToken)
    {
        TableLimits.Prepare(entity);
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return ETagOf(await _client.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false));
        }
        catch (RequestFailedException e) when (e.Status != 0)
        {
            throw StorageErrors.FromResponse(e, $"Upsert in {Name}");
        }
    }

    /// <summary>Replaces or merges an existing entity if its ETag matches; <see cref="StorageErrorKind.PreconditionFailed"/> on a stale one.</summary>
    public async Task<string> UpdateAsync(TableEntity entity, string ifMatch, TableUpdateMode mode, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(ifMatch);
        TableLimits.Prepare(entity);
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return ETagOf(await _client.UpdateEntityAsync(entity, new ETag(ifMatch), mode, cancellationToken).ConfigureAwait(false));
        }
        catch (RequestFailedException e) when (e.Status != 0)
        {
            throw StorageErrors.FromResponse(e, $"Update in {Name}");
        }
    }

    /// <summary>Deletes an entity if its ETag matches (<c>"*"</c> for any); false when it did not exist.</summary>
    public async Task<bool> DeleteAsync(string partitionKey, string rowKey, string ifMatch, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The SDK answers a missing entity with its 404 response rather than an exception.
            var response = await _client.DeleteEntityAsync(partitionKey, rowKey, new ETag(ifMatch), cancellationToken).ConfigureAwait(false);
            return response.Status != 404;
        }
        catch (RequestFailedException e) when (e.Status != 0)
        {
            throw StorageErrors.FromResponse(e, $"Delete from {Name}");
        }
    }

    /// <summary>Commits up to 100 operations on one partition atomically; returns each operation's new ETag (empty for deletes).</summary>
    /// <remarks>When one operation fails nothing is applied and the <see cref="StorageException"/> names the failing index.</remarks>
    public async Task<IReadOnlyList<string>> SubmitAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        if (actions.Count == 0)
        {
            return [];
        }

        TableLimits.CheckTransaction(actions);
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var responses = await _client.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            return [.. responses.Value.Select(ETagOf)];
        }
        catch (RequestFailedException e) when (e.Status != 0)
        {
            throw StorageErrors.FromResponse(e, $"Transaction on {Name}");
        }
    }

    /// <summary>The pages of a query (<paramref name="pageSize"/> entities at most each; null for the service's 1,000), page after page.</summary>
    public async IAsyncEnumerable<Page<TableEntity>> QueryPagesAsync(
        string? filter, IEnumerable<string>? select, int? pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var pages = _client.QueryAsync<TableEntity>(filter, pageSize, select, cancellationToken).AsPages(pageSizeHint: pageSize);
        await using var enumerator = pages.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            // A yield cannot sit inside a try with a catch, so each page is fetched inside one and handed out after it.
            try
            {
                if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (RequestFailedException e) when (e.Status != 0)
            {
                throw StorageErrors.FromResponse(e, $"Query {Name}");
            }

            yield return enumerator.Current;
        }
    }

    /// <summary>All entities matching a filter.</summary>
    public async IAsyncEnumerable<TableEntity> QueryAsync(string? filter, IEnumerable<string>? select, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in QueryPagesAsync(filter, select, null, cancellationToken).ConfigureAwait(false))
        {
            foreach (var entity in page.Values)
            {
                yield return entity;
            }
        }
    }

    /// <summary>Creates the table on first use; a failed or cancelled attempt is tried again by the next call.</summary>
    private async ValueTask EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var created = _created;
        if (created is null || created.IsFaulted || created.IsCanceled)
        {
            created = CreateAsync();
            _created = created;
        }

        await created.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task CreateAsync()
    {
        try
        {
            // An existing table is the SDK's 409, answered without an exception: one request either way.
            await _client.CreateIfNotExistsAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status != 0)
        {
            throw StorageErrors.FromResponse(e, $"Create table {Name}");
        }
    }

    private static string ETagOf(Response response) => response.Headers.ETag?.ToString() ?? "";
}
