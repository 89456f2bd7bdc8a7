using Loom.Core.Definitions;

namespace Loom.Core.Engine;

/// <summary>
/// Everything needed to send one owed notification, taken from the run's state when it was owed (so every try, on any host,
/// sends the same body); the Function App's <c>Notify</c> activity takes it with a single URL.
/// </summary>
/// <param name="Id">The notification's id (<see cref="Notice.IdFor"/>): <c>Idempotency-Key</c> and <c>X-Loom-Notification-Id</c>.</param>
/// <param name="Key">The notice's key within the run.</param>
/// <param name="Kind">What it reports.</param>
/// <param name="RunId">The run.</param>
/// <param name="WorkflowId">The run's workflow.</param>
/// <param name="WorkflowVersion">The workflow version the run executes.</param>
/// <param name="Status">The run's status when the notice was owed (final for an outcome, running for an sla miss).</param>
/// <param name="Reason">Why the run ended as it did; null for a success or an sla miss.</param>
/// <param name="TaskId">The task that missed its sla; null otherwise.</param>
/// <param name="FailedTasks">The tasks that failed for good, in declaration order.</param>
/// <param name="ScheduledAt">The occurrence the run is for.</param>
/// <param name="StartedAt">When the run started.</param>
/// <param name="FinishedAt">When the run finished; null while it runs.</param>
/// <param name="At">When the outcome happened.</param>
/// <param name="Sla">The sla that was missed; null for an outcome.</param>
/// <param name="Urls">Where to send it (literal URLs or <c>${{ secrets.NAME }}</c>).</param>
/// <param name="SigningSecret">Name of the host secret that signs the body; null to send it unsigned.</param>
public sealed record NotificationInput(
    string Id,
    string Key,
    NotifyKind Kind,
    string RunId,
    string WorkflowId,
    int WorkflowVersion,
    RunStatus Status,
    string? Reason,
    string? TaskId,
    IReadOnlyList<FailedTask> FailedTasks,
    DateTimeOffset ScheduledAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset At,
    TimeSpan? Sla,
    IReadOnlyList<string> Urls,
    string? SigningSecret)
{
    /// <summary>The input of the notification <paramref name="notice"/> of a run in <paramref name="state"/>.</summary>
    public static NotificationInput For(WorkflowDefinition workflow, RunState state, Notice notice)
    {
        var failed = workflow.Tasks
            .Where(t => state.Tasks.TryGetValue(t.Id, out var s) && s.Status == TaskRunStatus.Failed)
            .Select(t => new FailedTask(t.Id, state.Tasks[t.Id].Attempt, state.Tasks[t.Id].Reason, t.AllowFailure))
            .ToList();
        var sla = notice.Kind != NotifyKind.SlaMiss ? null
            : notice.TaskId is { } taskId ? workflow.Tasks.FirstOrDefault(t => t.Id == taskId)?.Sla
            : workflow.Sla;
        return new NotificationInput(
            notice.IdFor(state.RunId), notice.Key, notice.Kind, state.RunId, state.WorkflowId, state.WorkflowVersion,
            notice.Kind == NotifyKind.SlaMiss ? RunStatus.Running : state.Status,
            notice.Kind == NotifyKind.Failure ? state.Reason : null, notice.TaskId, failed, state.ScheduledAt, state.StartedAt,
            notice.Kind == NotifyKind.SlaMiss ? null : state.FinishedAt, notice.At, sla,
            workflow.Notify?.For(notice.Kind) ?? [], workflow.SigningSecret ?? workflow.Notify?.SigningSecret);
    }
}
