using Loom.Storage.Tables;

namespace Loom.Storage.Stores;

/// <summary>A table that is created on first use (once per process).</summary>
internal sealed class StoreTable(ITableServiceClient service, string name)
{
    private readonly ITableClient _client = service.GetTableClient(name);
    private Task? _created;

    /// <summary>The client, after making sure the table exists.</summary>
    public async ValueTask<ITableClient> GetAsync(CancellationToken cancellationToken)
    {
        var created = _created;
        if (created is null || created.IsFaulted || created.IsCanceled)
        {
            created = _client.CreateIfNotExistsAsync(CancellationToken.None);
            _created = created;
        }

        await created.WaitAsync(cancellationToken).ConfigureAwait(false);
        return _client;
    }
}
