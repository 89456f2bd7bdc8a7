using Azure.Data.Tables;
using Loom.Core.Stores;

namespace Loom.Storage.Stores;

/// <summary>All of Loom's stores over one Table service, with one set of table names.</summary>
public sealed class TableStores
{
    /// <summary>Creates the stores over a Table service client.</summary>
    public TableStores(TableServiceClient service, TableStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        options ??= new TableStoreOptions();
        Workflows = new TableWorkflowStore(service, options);
        Runs = new TableRunStore(service, options);
        Attempts = new TableAttemptStore(service, options);
        Events = new TableEventStore(service, options);
        SchedulerState = new TableSchedulerStateStore(service, options);
        DeadLetters = new TableDeadLetterStore(service, options);
        Audit = new TableWorkflowAuditStore(service, options);
    }

    /// <summary>Workflow versions and heads.</summary>
    public IWorkflowStore Workflows { get; }

    /// <summary>Runs and listings.</summary>
    public IRunStore Runs { get; }

    /// <summary>Attempt history.</summary>
    public IAttemptStore Attempts { get; }

    /// <summary>Run event logs.</summary>
    public IEventStore Events { get; }

    /// <summary>Scheduler bookkeeping.</summary>
    public ISchedulerStateStore SchedulerState { get; }

    /// <summary>Dead letters.</summary>
    public IDeadLetterStore DeadLetters { get; }

    /// <summary>Workflow audit logs.</summary>
    public IWorkflowAuditStore Audit { get; }
}
