using Azure.Core;
using Azure.Data.Tables;
using Loom.Core.Statistics;
using Loom.Core.Circuits;
using Loom.Core.Stores;
using Loom.Storage.Stores;

namespace Loom.Storage;

/// <summary>
/// Loom's tables in one storage account: the stores the engine and the API use, the table service for host bookkeeping, and a
/// health probe. Hosts open it from their settings; each store (<c>Table*Store</c>) works through <see cref="Stores.LoomTable"/>.
/// </summary>
public sealed class LoomStorageAccount
{
    /// <summary>Loom's stores over a Table service client built by the caller, with its table names and limits.</summary>
    public LoomStorageAccount(TableServiceClient tables, TableStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tables);
        options ??= new TableStoreOptions();
        Tables = tables;
        Options = options;
        Workflows = new TableWorkflowStore(tables, options);
        Runs = new TableRunStore(tables, options);
        Attempts = new TableAttemptStore(tables, options);
        Events = new TableEventStore(tables, options);
        SchedulerStates = new TableSchedulerStateStore(tables, options);
        DeadLetters = new TableDeadLetterStore(tables, options);
        Audit = new TableWorkflowAuditStore(tables, options);
        Circuits = new TableCircuitStore(tables, options);
        Stats = new TableRunStatsStore(tables, options);
        WebhookKeys = new TableWebhookKeyStore(tables, options);
    }

    /// <summary>From a connection string (client options without a <see cref="StorageRequestCounter"/> leave the storage metrics out): <c>UseDevelopmentStorage=true</c>, an account key, a shared access signature, or explicit endpoints (Azurite on other ports).</summary>
    /// <exception cref="FormatException">The connection string is not one the SDK can use.</exception>
    public static LoomStorageAccount Create(string connectionString, string tablePrefix, TableClientOptions? clientOptions = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return Create(new TableServiceClient(connectionString, clientOptions ?? Metered()), tablePrefix);
    }

    /// <summary>From the Table service's URI and a token credential (managed identity in Azure).</summary>
    public static LoomStorageAccount Create(Uri tableServiceUri, TokenCredential credential, string tablePrefix, TableClientOptions? clientOptions = null) =>
        Create(new TableServiceClient(tableServiceUri, credential, clientOptions ?? Metered()), tablePrefix);

    /// <summary>From a connection string, with the stores' options (table prefix, open-run index) given whole.</summary>
    /// <exception cref="FormatException">The connection string is not one the SDK can use.</exception>
    public static LoomStorageAccount Create(string connectionString, TableStoreOptions options, TableClientOptions? clientOptions = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return new LoomStorageAccount(new TableServiceClient(connectionString, clientOptions ?? Metered()), options);
    }

    /// <summary>From the Table service's URI and a token credential, with the stores' options given whole.</summary>
    public static LoomStorageAccount Create(Uri tableServiceUri, TokenCredential credential, TableStoreOptions options, TableClientOptions? clientOptions = null) =>
        new(new TableServiceClient(tableServiceUri, credential, clientOptions ?? Metered()), options);

    /// <summary>Default client options: with a <see cref="StorageRequestCounter"/>, so every request is in Loom's storage metrics.</summary>
    private static TableClientOptions Metered() => new StorageRequestCounter().AddTo(new TableClientOptions());

    /// <summary>Over a Table service client built by the caller.</summary>
    public static LoomStorageAccount Create(TableServiceClient tables, string tablePrefix) =>
        new(tables, new TableStoreOptions { TablePrefix = tablePrefix });

    /// <summary>The table service, for host bookkeeping tables.</summary>
    public TableServiceClient Tables { get; }

    /// <summary>Table names and limits.</summary>
    public TableStoreOptions Options { get; }

    /// <summary>Workflow versions and heads.</summary>
    public IWorkflowStore Workflows { get; }

    /// <summary>Runs and listings.</summary>
    public IRunStore Runs { get; }

    /// <summary>Attempt history.</summary>
    public IAttemptStore Attempts { get; }

    /// <summary>Run event logs.</summary>
    public IEventStore Events { get; }

    /// <summary>Scheduler bookkeeping.</summary>
    public ISchedulerStateStore SchedulerStates { get; }

    /// <summary>Dead letters.</summary>
    public IDeadLetterStore DeadLetters { get; }

    /// <summary>Workflow audit logs.</summary>
    public IWorkflowAuditStore Audit { get; }

    /// <summary>The circuit breakers of target origins.</summary>
    public ICircuitStore Circuits { get; }

    /// <summary>Hour buckets of the run statistics.</summary>
    public IRunStatsStore Stats { get; }

    /// <summary>Webhook salts.</summary>
    public IWebhookKeyStore WebhookKeys { get; }

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
