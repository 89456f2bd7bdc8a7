using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

/// <summary>Body of <c>POST /api/runs/{runId}/redrive</c>; an empty body redrives every task that did not succeed.</summary>
/// <param name="Tasks">Tasks to run again (with everything downstream of them); absent or empty for every task that did not succeed.</param>
public sealed record RedriveRequest([property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Tasks = null);

/// <summary>Answer of <c>POST /api/runs/{runId}/redrive</c>.</summary>
/// <param name="RunId">The run, resumed under the same id.</param>
/// <param name="Tasks">The tasks that run again, in declaration order.</param>
/// <param name="RequestedBy">The name of the API key that asked.</param>
/// <param name="AcknowledgedDeadLetters">Dead letters of the run this redrive acknowledged.</param>
public sealed record RunRedriving(string RunId, IReadOnlyList<string> Tasks, string RequestedBy, int AcknowledgedDeadLetters);

/// <summary>A dead letter: a task that failed for good, or a run that failed without one (timed out, or storage kept refusing its change).</summary>
/// <param name="Id">Its id (ids sort newest first).</param>
/// <param name="Kind">task or run.</param>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="RunId">Run id.</param>
/// <param name="TaskId">The task (null for a run's dead letter).</param>
/// <param name="Attempt">The task's last attempt (null for a run's dead letter).</param>
/// <param name="Reason">Why it failed.</param>
/// <param name="FailedAt">When.</param>
/// <param name="AcknowledgedAt">When it was acknowledged; null while open.</param>
/// <param name="AcknowledgedBy">The name of the API key that acknowledged it (or redrove its run).</param>
public sealed record DeadLetterView(string Id, string Kind, string WorkflowId, string RunId, string? TaskId, int? Attempt, string Reason,
    DateTimeOffset FailedAt, DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy);

/// <summary>Answer of <c>GET /api/deadletters</c>: a page of open dead letters, newest first.</summary>
/// <param name="Items">The page.</param>
/// <param name="Continuation">Pass as <c>continuation</c> for the next page; null on the last.</param>
public sealed record DeadLetterList(IReadOnlyList<DeadLetterView> Items, string? Continuation);

/// <summary>One entry of a workflow's audit log.</summary>
/// <param name="At">When.</param>
/// <param name="Action">register, delete, pause, resume, trigger, backfill, cancel-backfill, cancel, retry, redrive or ack.</param>
/// <param name="By">The name of the API key that acted (never the key).</param>
/// <param name="RunId">The run concerned, when one is.</param>
/// <param name="Detail">What changed.</param>
public sealed record WorkflowAuditEntry(DateTimeOffset At, string Action, string By, string? RunId, string? Detail);

/// <summary>Answer of <c>GET /api/workflows/{id}/audit</c>: a page of the workflow's audit log, newest first.</summary>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="Items">The page.</param>
/// <param name="Continuation">Pass as <c>continuation</c> for the next page; null on the last.</param>
public sealed record WorkflowAuditList(string WorkflowId, IReadOnlyList<WorkflowAuditEntry> Items, string? Continuation);
