using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

// The bodies of the dead-letter, redrive and audit routes. Declaration order is wire order (see WorkflowContracts.cs).

/// <summary>Body of <c>POST /api/runs/{runId}/redrive</c>; an empty body redrives every task that did not succeed.</summary>
public sealed record RedriveRequest(
    [property: Description("Tasks to run again (with everything downstream of them); absent or empty for every task that did not succeed."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Tasks = null);

/// <summary>Answer of <c>POST /api/runs/{runId}/redrive</c>.</summary>
public sealed record RunRedriving(
    [property: Description("The run, resumed under the same id.")] string RunId,
    [property: Description("The tasks that run again, in declaration order.")] IReadOnlyList<string> Tasks,
    [property: Description("The name of the API key that asked.")] string RequestedBy,
    [property: Description("Dead letters of the run this redrive acknowledged.")] int AcknowledgedDeadLetters);

/// <summary>A dead letter: a task that failed for good, or a run that failed without one (timed out, or storage kept refusing its change).</summary>
public sealed record DeadLetterView(
    [property: Description("Its id (ids sort newest first).")] string Id,
    [property: Description("`task` or `run`.")] string Kind,
    [property: Description("Workflow id.")] string WorkflowId,
    [property: Description("Run id.")] string RunId,
    [property: Description("The task (null for a run's dead letter).")] string? TaskId,
    [property: Description("The task's last attempt (null for a run's dead letter).")] int? Attempt,
    [property: Description("Why it failed.")] string Reason,
    [property: Description("When it failed.")] DateTimeOffset FailedAt,
    [property: Description("When it was acknowledged; null while open.")] DateTimeOffset? AcknowledgedAt,
    [property: Description("The name of the API key that acknowledged it (or redrove its run).")] string? AcknowledgedBy);

/// <summary>Answer of <c>GET /api/deadletters</c>: a page of open dead letters, newest first.</summary>
public sealed record DeadLetterList(
    [property: Description("The page.")] IReadOnlyList<DeadLetterView> Items,
    [property: Description("Pass as `continuation` for the next page; null on the last.")] string? Continuation);

/// <summary>One entry of a workflow's audit log.</summary>
public sealed record WorkflowAuditEntry(
    [property: Description("When.")] DateTimeOffset At,
    [property: Description("register, delete, pause, resume, trigger, backfill, cancel-backfill, cancel, retry, redrive or ack.")] string Action,
    [property: Description("The name of the API key that acted (never the key).")] string By,
    [property: Description("The run concerned, when one is.")] string? RunId,
    [property: Description("What changed.")] string? Detail);

/// <summary>Answer of <c>GET /api/workflows/{id}/audit</c>: a page of the workflow's audit log, newest first.</summary>
public sealed record WorkflowAuditList(
    [property: Description("Workflow id.")] string WorkflowId,
    [property: Description("The page.")] IReadOnlyList<WorkflowAuditEntry> Items,
    [property: Description("Pass as `continuation` for the next page; null on the last.")] string? Continuation);
