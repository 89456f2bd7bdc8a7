namespace Loom.Core.Engine;

/// <summary>The one definition of a final run status, for the enum and for its stored name.</summary>
public static class RunStatuses
{
    /// <summary>True for succeeded, failed and cancelled: nothing changes a run afterwards.</summary>
    /// <param name="status">A run status.</param>
    public static bool IsFinal(RunStatus status) => status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled;

    /// <summary>True for the stored or shown name of a final status ("canceled" is accepted too: rows written by older builds).</summary>
    /// <param name="status">A status name as stored in the runs table or returned by the API.</param>
    public static bool IsFinal(string? status) => status is "succeeded" or "failed" or "cancelled" or "canceled";
}
