using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

// The bodies of the run routes. Declaration order is wire order (see WorkflowContracts.cs).

/// <summary>Body of <c>POST /api/workflows/{id}/runs</c>.</summary>
public sealed record TriggerRequest(
    [property: Description("Parameter values overriding the workflow's defaults."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonObject? Params = null);

/// <summary>Body of <c>POST /api/workflows/{id}/backfill</c>.</summary>
public sealed record BackfillRequest(
    [property: Description("First instant of the range (ISO-8601).")] string From,
    [property: Description("Last instant of the range (ISO-8601).")] string To,
    [property: Description("At most this many runs at once (1-1000); all at once when absent."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MaxConcurrent = null,
    [property: Description("Parameter values for every run."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonObject? Params = null);

/// <summary>Body of <c>POST /api/runs/{runId}/cancel</c>.</summary>
public sealed record CancelRequest(
    [property: Description("Why, for the run's log."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);

/// <summary>Body a backend posts to a callback URL; an empty body means SUCCESS.</summary>
public sealed record CallbackRequest(
    [property: Description("SUCCESS, FAILED or RUNNING."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Status = null,
    [property: Description("The task's output, for downstream tasks."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? Output = null,
    [property: Description("A note for the run's log."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null,
    [property: Description("For FAILED: whether a retry may help."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Retryable = null);

/// <summary>Answer of a trigger or a retry: the new run; its status URL is in <c>Location</c>.</summary>
public sealed record RunAccepted(
    [property: Description("The new run's id.")] string RunId,
    [property: Description("The run it retries; absent for a trigger."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RetryOf = null);

/// <summary>Answer of <c>POST /api/workflows/{id}/backfill</c>.</summary>
public sealed record BackfillStarted(
    [property: Description("Runs started now.")] IReadOnlyList<string> RunIds,
    [property: Description("Runs queued for later (only with maxConcurrent)."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Queued,
    [property: Description("Occurrences that had run already.")] IReadOnlyList<string> AlreadyExisting,
    [property: Description("Occurrences in the range.")] int Occurrences,
    [property: Description("The bound given, if any."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MaxConcurrent);

/// <summary>Answer of <c>DELETE /api/workflows/{id}/backfill</c>.</summary>
public sealed record BackfillCancelled(
    [property: Description("Workflow id.")] string Id,
    [property: Description("Occurrences dropped.")] int Dropped,
    [property: Description("Its runs that continue.")] IReadOnlyList<string> StillRunning);

/// <summary>A run as listed.</summary>
public sealed record RunSummary(
    [property: Description("Run id.")] string RunId,
    [property: Description("Workflow id.")] string WorkflowId,
    [property: Description("Workflow version it runs.")] int Version,
    [property: Description("Run status."), JsonConverter(typeof(WireEnumConverter<RunStatus>))] RunStatus Status,
    [property: Description("What started it: schedule, manual, backfill, retry.")] string Trigger,
    [property: Description("When it was created.")] DateTimeOffset CreatedAt,
    [property: Description("The occurrence it stands for, if scheduled.")] DateTimeOffset? ScheduledAt,
    [property: Description("When it finished.")] DateTimeOffset? FinishedAt);

/// <summary>Answer of <c>GET /api/runs</c>: a page, newest first.</summary>
public sealed record RunList(
    [property: Description("The runs.")] IReadOnlyList<RunSummary> Items,
    [property: Description("Token of the next page; null on the last.")] string? Continuation);

/// <summary>A task's state within a run.</summary>
public sealed record TaskStateView(
    [property: Description("Task id.")] string Id,
    [property: Description("Task status."), JsonConverter(typeof(WireEnumConverter<TaskRunStatus>))] TaskRunStatus Status,
    [property: Description("Current or last attempt (0 before the first).")] int Attempt,
    [property: Description("Most attempts, when the definition is known.")] int? MaxAttempts,
    [property: Description("Upstream ids, when the definition is known.")] IReadOnlyList<string>? DependsOn,
    [property: Description("Its stage in the plan, when the definition is known.")] int? Stage,
    [property: Description("First start.")] DateTimeOffset? StartedAt,
    [property: Description("Finish.")] DateTimeOffset? FinishedAt,
    [property: Description("When a retry or timer is due.")] DateTimeOffset? DueAt,
    [property: Description("Why it ended as it did.")] string? Reason,
    [property: Description("Last HTTP status from the backend.")] int? StatusCode,
    [property: Description("Its output (size-capped).")] JsonNode? Output,
    [property: Description("True when the output was cut.")] bool OutputTruncated,
    [property: Description("Task type (`http` or `wait`), when the definition is known.")] string? Type,
    [property: Description("Its `when:` condition; null when it has none or the definition is unknown.")] string? When);

/// <summary>Answer of <c>GET /api/runs/{runId}</c>: the run and every task, in the workflow's order.</summary>
public sealed record RunDetail(
    [property: Description("Run id.")] string RunId,
    [property: Description("Workflow id.")] string WorkflowId,
    [property: Description("Workflow version.")] int Version,
    [property: Description("Run status."), JsonConverter(typeof(WireEnumConverter<RunStatus>))] RunStatus Status,
    [property: Description("What started it.")] string Trigger,
    [property: Description("When it was created.")] DateTimeOffset CreatedAt,
    [property: Description("The occurrence, if scheduled.")] DateTimeOffset? ScheduledAt,
    [property: Description("When it finished.")] DateTimeOffset? FinishedAt,
    [property: Description("When it started.")] DateTimeOffset? StartedAt,
    [property: Description("From start to finish (or to now's last change while running).")] double? DurationMs,
    [property: Description("Why it ended as it did.")] string? Reason,
    [property: Description("The run this one retries.")] string? RetryOf,
    [property: Description("Parameter values given.")] JsonObject Params,
    [property: Description("Tasks per status.")] IReadOnlyDictionary<string, int> TaskCounts,
    [property: Description("Every task's state.")] IReadOnlyList<TaskStateView> Tasks,
    [property: Description("The run's W3C trace id (every span of the run, and a backend's spans under its calls, are in this trace); null for runs started before Loom traced runs.")] string? TraceId);

/// <summary>One entry of a run's event log, as listed and as streamed.</summary>
public sealed record RunEventView(
    [property: Description("Position in the log (the stream's event id).")] long Sequence,
    [property: Description("When it was written.")] DateTimeOffset Timestamp,
    [property: Description("Event type.")] string Type,
    [property: Description("The task it concerns, if any.")] string? TaskId,
    [property: Description("Its details (JSON, or text).")] JsonNode? Data);

/// <summary>Answer of <c>GET /api/runs/{runId}/events</c>.</summary>
public sealed record RunEventList(
    [property: Description("Run id.")] string RunId,
    [property: Description("The log in sequence order.")] IReadOnlyList<RunEventView> Items);

/// <summary>The last frame of an event stream: the run is final.</summary>
public sealed record StreamEnd(
    [property: Description("Run id.")] string RunId);

/// <summary>One HTTP attempt of a task.</summary>
public sealed record AttemptView(
    [property: Description("Attempt number from 1.")] int Attempt,
    [property: Description("When it started.")] DateTimeOffset StartedAt,
    [property: Description("How long it took.")] double DurationMs,
    [property: Description("succeeded, failed, accepted, ...")] string Outcome,
    [property: Description("HTTP status, if there was an answer.")] int? StatusCode,
    [property: Description("Summary of the request sent.")] string Request,
    [property: Description("What went wrong.")] string? Error,
    [property: Description("The response body kept (text, size-capped).")] string? Output,
    [property: Description("True when the output was cut.")] bool OutputTruncated,
    [property: Description("When the next attempt started or is due; only on an attempt that was followed by another."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? RetryAt = null,
    [property: Description("From this attempt's end to `retryAt`."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? RetryDelayMs = null);

/// <summary>Answer of <c>GET /api/runs/{runId}/tasks/{taskId}/attempts</c>.</summary>
public sealed record AttemptList(
    [property: Description("Run id.")] string RunId,
    [property: Description("Task id.")] string TaskId,
    [property: Description("Attempts in order.")] IReadOnlyList<AttemptView> Items);

/// <summary>Answer of <c>POST /api/runs/{runId}/cancel</c>: the cancel is on its way.</summary>
public sealed record RunCancelling(
    [property: Description("Run id.")] string RunId,
    [property: Description("Always \"cancelling\".")] string Status);

/// <summary>Answer of <c>POST /api/callbacks/{token}</c>.</summary>
public sealed record CallbackAccepted(
    [property: Description("Run id.")] string RunId,
    [property: Description("Task id.")] string TaskId,
    [property: Description("Always true.")] bool Accepted);
