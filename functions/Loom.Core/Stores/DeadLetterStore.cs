namespace Loom.Core.Stores;

/// <summary>
/// Dead letters: one record per task that failed for good and per run that failed without a failed task (a run timeout, a
/// change storage kept refusing). Ids are deterministic, so writing the same dead letter again (a retried save, a replay)
/// stores it once, and an acknowledged one is never brought back.
/// </summary>
public interface IDeadLetterStore
{
    /// <summary>Stores each record unless one with its id exists (acknowledged or not).</summary>
    Task AddAsync(IReadOnlyList<DeadLetterRecord> deadLetters, CancellationToken cancellationToken = default);

    /// <summary>Point lookup by id; acknowledged records too.</summary>
    Task<DeadLetterRecord?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Records not acknowledged yet, newest first, filtered and paged.</summary>
    Task<Page<DeadLetterRecord>> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken = default);

    /// <summary>Marks a record acknowledged by <paramref name="by"/>; the stored record, or null when there is none with that id.</summary>
    Task<DeadLetterRecord?> AcknowledgeAsync(string id, string by, DateTimeOffset at, CancellationToken cancellationToken = default);
}

/// <summary>A task that failed for good, or a run that failed without one, waiting for an operator.</summary>
/// <param name="Id">Deterministic id (see <see cref="Engine.DeadLetters.Id"/>); ids sort newest first.</param>
/// <param name="Kind"><c>task</c> or <c>run</c>.</param>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="RunId">Run id.</param>
/// <param name="TaskId">The failed task (null for a run dead letter).</param>
/// <param name="Attempt">The task's last attempt (null for a run dead letter).</param>
/// <param name="Reason">Why it failed.</param>
/// <param name="FailedAt">When it failed.</param>
public sealed record DeadLetterRecord(string Id, string Kind, string WorkflowId, string RunId, string? TaskId, int? Attempt, string Reason, DateTimeOffset FailedAt)
{
    /// <summary>When an operator acknowledged it; null while open.</summary>
    public DateTimeOffset? AcknowledgedAt { get; init; }

    /// <summary>The name of the API key that acknowledged it (or redrove its run).</summary>
    public string? AcknowledgedBy { get; init; }
}

/// <summary>Filter and paging of a dead-letter listing (newest first, open ones only).</summary>
/// <param name="WorkflowId">Only this workflow's, when given.</param>
/// <param name="Since">Only those that failed at or after this instant, when given.</param>
/// <param name="RunId">Only this run's, when given.</param>
/// <param name="Limit">Page size (1..1000).</param>
/// <param name="Continuation">Token from the previous page.</param>
public sealed record DeadLetterQuery(string? WorkflowId = null, DateTimeOffset? Since = null, string? RunId = null, int Limit = 50, string? Continuation = null);

/// <summary>The audit log of each workflow: who registered, paused, triggered, cancelled, redrove... and when.</summary>
public interface IWorkflowAuditStore
{
    /// <summary>Appends one entry.</summary>
    Task AppendAsync(WorkflowAuditRecord entry, CancellationToken cancellationToken = default);

    /// <summary>A workflow's entries, newest first, paged.</summary>
    Task<Page<WorkflowAuditRecord>> ListAsync(string workflowId, int limit, string? continuation = null, CancellationToken cancellationToken = default);
}

/// <summary>One operator or admin action on a workflow or one of its runs.</summary>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="At">When.</param>
/// <param name="Action">register, delete, pause, resume, trigger, backfill, cancel-backfill, cancel, retry, redrive, ack.</param>
/// <param name="By">The name of the API key that acted (never the key).</param>
/// <param name="RunId">The run concerned, when one is.</param>
/// <param name="Detail">What changed, in a few words.</param>
public sealed record WorkflowAuditRecord(string WorkflowId, DateTimeOffset At, string Action, string By, string? RunId = null, string? Detail = null);
