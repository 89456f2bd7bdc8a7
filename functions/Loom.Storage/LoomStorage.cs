using Azure.Core;
using Loom.Core.Stores;
using Loom.Storage.Connection;
using Loom.Storage.Stores;
using Loom.Storage.Tables;

namespace Loom.Storage;

/// <summary>Everything a Loom host needs from one storage account: the stores, the table service for host bookkeeping, a health probe.</summary>
public sealed class LoomStorage
{
    private LoomStorage(ITableServiceClient tables, TableStoreOptions options)
    {
        Tables = tables;
        Options = options;
        var stores = new TableStores(tables, options);
        Workflows = stores.Workflows;
        Runs = stores.Runs;
        Attempts = stores.Attempts;
        Events = stores.Events;
        SchedulerStates = stores.SchedulerState;
    }

    /// <summary>From a connection string (<c>UseDevelopmentStorage=true</c>, account key, or explicit endpoints).</summary>
    public static LoomStorage Create(string connectionString, string tablePrefix, StorageClientOptions? clientOptions = null) =>
        Create(StorageConnection.Parse(connectionString), tablePrefix, clientOptions);

    /// <summary>From service URIs and a token credential (managed identity in Azure).</summary>
    public static LoomStorage Create(Uri tableServiceUri, Uri queueServiceUri, TokenCredential credential, string tablePrefix, StorageClientOptions? clientOptions = null) =>
        Create(StorageConnection.ForTokenCredential(tableServiceUri, queueServiceUri, credential), tablePrefix, clientOptions);

    /// <summary>From a parsed connection.</summary>
    public static LoomStorage Create(StorageConnection connection, string tablePrefix, StorageClientOptions? clientOptions = null) =>
        new(new TableServiceClient(connection, clientOptions), new TableStoreOptions { TablePrefix = tablePrefix });

    /// <summary>The table service, for host bookkeeping tables.</summary>
    public ITableServiceClient Tables { get; }

    /// <summary>Table names and limits.</summary>
    public TableStoreOptions Options { get; }

    /// <summary>Workflow versions and heads.</summary>
    public IWorkflowStore Workflows { get; }

    /// <summary>Runs.</summary>
    public IRunStore Runs { get; }

    /// <summary>Attempt history.</summary>
    public IAttemptStore Attempts { get; }

    /// <summary>Event logs.</summary>
    public IEventStore Events { get; }

    /// <summary>Scheduler bookkeeping.</summary>
    public ISchedulerStateStore SchedulerStates { get; }

    /// <summary>True when the table service answers (a point read of a row that need not exist).</summary>
    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        var table = Tables.GetTableClient(Options.WorkflowsTable);
        try
        {
            await table.GetEntityAsync("$health", "$health", cancellationToken: cancellationToken);
            return true;
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.TableNotFound)
        {
            return true; // The service answered; the table is created on first write.
        }
        catch (StorageException)
        {
            return false;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
