using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Retention;

/// <summary>Which finished runs are past their retention: the host's <c>RetentionDays</c>, or a workflow's <c>retentionDays:</c> override.</summary>
public static class RetentionPolicy
{
    /// <summary>The host's retention when the setting is absent.</summary>
    public const int DefaultDays = 30;

    /// <summary>Longest retention a setting or a workflow may ask for (100 years; 0 keeps runs forever anyway).</summary>
    public const int MaxDays = WorkflowDefinition.MaxRetentionDays;

    /// <summary>The days that apply to a workflow's runs: its own override when it has one, else the host's.</summary>
    public static int DaysFor(int? workflowDays, int hostDays) => workflowDays ?? hostDays;

    /// <summary>Runs that finished before the returned instant are expired; null when <paramref name="days"/> is 0 (keep forever).</summary>
    public static DateTimeOffset? Cutoff(DateTimeOffset now, int days) => days <= 0 ? null : now - TimeSpan.FromDays(Math.Min(days, MaxDays));

    /// <summary>
    /// True for a run that finished before <paramref name="cutoff"/> and owes nothing: never a pending or running run, nor a
    /// final one whose outbox still holds commands (its last save or a notification is still owed).
    /// </summary>
    public static bool IsExpired(RunRecord run, DateTimeOffset cutoff)
    {
        ArgumentNullException.ThrowIfNull(run);
        return RunStatuses.IsFinal(run.Status) && run.FinishedAt is { } finished && finished < cutoff && string.IsNullOrEmpty(run.Outbox);
    }
}
