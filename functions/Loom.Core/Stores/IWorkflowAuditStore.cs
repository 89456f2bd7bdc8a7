namespace Loom.Core.Stores;

/// <summary>The audit log of each workflow: who registered, paused, triggered, cancelled, redrove... and when.</summary>
public interface IWorkflowAuditStore
{
    /// <summary>Appends one entry.</summary>
    Task AppendAsync(WorkflowAuditRecord entry, CancellationToken cancellationToken = default);

    /// <summary>A workflow's entries, newest first, paged.</summary>
    Task<Page<WorkflowAuditRecord>> ListAsync(string workflowId, int limit, string? continuation = null, CancellationToken cancellationToken = default);
}
