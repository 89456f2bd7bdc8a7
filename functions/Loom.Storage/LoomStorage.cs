using Azure.Core;
using Azure.Data.Tables;
using Loom.Core.Stores;
using Loom.Storage.Stores;

namespace Loom.Storage;

/// <summary>Everything a Loom host needs from one storage account: the stores, the table service for host bookkeeping, a health probe.</summary>
public sealed class LoomStorage
{
    private LoomStorage(TableServiceClient tables, TableStoreOptions options)
    {
        Tables = tables;
        Options = options;
        var stores = new TableStores(tables, options);
        Workflows = stores.Workflows;
        Runs = stores.Runs;
        Attempts = stores.Attempts;
        Events = stores.Events;
        SchedulerStates = stores.SchedulerState;
        DeadLetters = stores.DeadLetters;
        Audit = stores.Audit;
    }

    /// <summary>From a connection string: <c>UseDevelopmentStorage=true</c>, an account key, a shared access signature, or explicit endpoints (Azurite on other ports).</summary>
    /// <exception cref="FormatException">The connection string is not one the SDK can use.</exception>
    public static LoomStorage Create(string connectionString, string tablePrefix, TableClientOptions? clientOptions = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return Create(new TableServiceClient(connectionString, clientOptions ?? new TableClientOptions()), tablePrefix);
    }

    /// <summary>From the Table service's URI and a token credential (managed identity in Azure).</summary>
    public static LoomStorage Create(Uri tableServiceUri, TokenCredential credential, string tablePrefix, TableClientOptions? clientOptions = null) =>
        Create(new TableServiceClient(tableServiceUri, credential, clientOptions ?? new TableClientOptions()), tablePrefix);

    /// <summary>Over a Table service client built by the caller.</summary>
    public static LoomStorage Create(TableServiceClient tables, string tablePrefix) =>
        new(tables, new TableStoreOptions { TablePrefix = tablePrefix });

    /// <summary>The table service, for host bookkeeping tables.</summary>
    public TableServiceClient Tables { get; }

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

    /// <summary>Dead letters.</summary>
    public IDeadLetterStore DeadLetters { get; }

    /// <summary>Workflow audit logs.</summary>
    public IWorkflowAuditStore Audit { get; }

    /// <summary>True when the table service answers (a point read of a row that need not exist, in a table that need not exist).</summary>
    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            // A missing row or table is a 404 the SDK answers without an exception: the service answered.
            await Tables.GetTableClient(Options.WorkflowsTable).GetEntityIfExistsAsync<TableEntity>("$health", "$health", cancellationToken: cancellationToken);
            return true;
        }
        catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException or AggregateException)
        {
            // Azure.Core gathers the failures of its retries in an AggregateException when no response ever came.
            return false;
        }
    }
}
