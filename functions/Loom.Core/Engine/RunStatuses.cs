namespace Loom.Core.Engine;

/// <summary>The one definition of a final run status and of the names run and task statuses are stored and shown under.</summary>
public static class RunStatuses
{
    /// <summary>True for succeeded, failed and cancelled: nothing changes a run afterwards.</summary>
    /// <param name="status">A run status.</param>
    public static bool IsFinal(RunStatus status) => status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled;

    /// <summary>True for the stored or shown name of a final status ("canceled" is accepted too: rows written by older builds).</summary>
    /// <param name="status">A status name as stored in the runs table or returned by the API.</param>
    public static bool IsFinal(string? status) => status is "succeeded" or "failed" or "cancelled" or "canceled";

    /// <summary>The lower-case name of a run status, as stored in the runs table and shown by the API.</summary>
    /// <param name="status">A run status.</param>
    public static string Name(RunStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>The lower-case name of a task status, as stored and shown.</summary>
    /// <param name="status">A task status.</param>
    public static string Name(TaskRunStatus status) => status.ToString().ToLowerInvariant();
}
