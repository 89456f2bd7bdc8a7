namespace Loom.Core.Stores;

/// <summary>Workflow definitions: immutable versions plus a head row per workflow.</summary>
public interface IWorkflowStore
{
    /// <summary>Stores a new version unless the current version has the same content hash; un-deletes a deleted workflow.</summary>
    Task<RegisterOutcome> RegisterAsync(string workflowId, string contentHash, string source, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The head row, or null when the workflow was never registered.</summary>
    Task<WorkflowHead?> GetHeadAsync(string workflowId, CancellationToken cancellationToken = default);

    /// <summary>One version, or null.</summary>
    Task<WorkflowVersionRecord?> GetVersionAsync(string workflowId, int version, CancellationToken cancellationToken = default);

    /// <summary>All versions, oldest first.</summary>
    Task<IReadOnlyList<WorkflowVersionRecord>> ListVersionsAsync(string workflowId, CancellationToken cancellationToken = default);

    /// <summary>All heads, deleted ones included only when asked.</summary>
    Task<IReadOnlyList<WorkflowHead>> ListHeadsAsync(bool includeDeleted = false, CancellationToken cancellationToken = default);

    /// <summary>Sets the paused flag; false when the workflow does not exist.</summary>
    Task<bool> SetPausedAsync(string workflowId, bool paused, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Marks the workflow deleted (history kept); false when it does not exist.</summary>
    Task<bool> DeleteAsync(string workflowId, DateTimeOffset now, CancellationToken cancellationToken = default);
}
