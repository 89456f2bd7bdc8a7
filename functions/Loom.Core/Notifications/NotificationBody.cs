using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Notifications;

/// <summary>The JSON body of a notification (README, "Notifications"): the facts of the outcome, and a Slack-compatible <c>text</c>.</summary>
/// <param name="Id">The notification's id, as in <c>X-Loom-Notification-Id</c>: the same on every retry.</param>
/// <param name="Outcome"><c>failure</c>, <c>success</c> or <c>slaMiss</c>.</param>
/// <param name="RunId">The run.</param>
/// <param name="WorkflowId">The workflow.</param>
/// <param name="WorkflowVersion">Its version.</param>
/// <param name="Status">The run's status: <c>failed</c>, <c>succeeded</c>, or <c>running</c> for an sla miss.</param>
/// <param name="Reason">Why the run failed; absent otherwise.</param>
/// <param name="TaskId">The task that missed its sla; absent for the run.</param>
/// <param name="FailedTasks">Tasks that failed for good.</param>
/// <param name="ScheduledAt">The occurrence the run is for.</param>
/// <param name="StartedAt">When the run started.</param>
/// <param name="FinishedAt">When it finished; absent while it runs.</param>
/// <param name="At">When the outcome happened.</param>
/// <param name="Sla">The missed sla (e.g. <c>5m</c>); absent for an outcome.</param>
/// <param name="DashboardUrl">The run in the dashboard; absent when the host has no public base URL.</param>
/// <param name="Text">One line for humans (Slack and compatible webhooks show it).</param>
public sealed record NotificationBody(
    string Id,
    string Outcome,
    string RunId,
    string WorkflowId,
    int WorkflowVersion,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TaskId,
    IReadOnlyList<FailedTask> FailedTasks,
    DateTimeOffset ScheduledAt,
    DateTimeOffset? StartedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? FinishedAt,
    DateTimeOffset At,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sla,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DashboardUrl,
    string Text);
