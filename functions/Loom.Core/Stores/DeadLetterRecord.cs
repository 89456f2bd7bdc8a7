namespace Loom.Core.Stores;

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
