using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

// The bodies of the run routes. Declaration order is wire order (see WorkflowContracts.cs).

/// <summary>Body of <c>POST /api/workflows/{id}/runs</c>.</summary>
/// <param name="Params">Parameter values overriding the workflow's defaults.</param>
public sealed record TriggerRequest([property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonObject? Params = null);

/// <summary>Body of <c>POST /api/workflows/{id}/backfill</c>.</summary>
/// <param name="From">First instant of the range (ISO-8601).</param>
/// <param name="To">Last instant of the range (ISO-8601).</param>
/// <param name="MaxConcurrent">At most this many runs at once (1-1000); all at once when absent.</param>
/// <param name="Params">Parameter values for every run.</param>
public sealed record BackfillRequest(
    string From,
    string To,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MaxConcurrent = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonObject? Params = null);

/// <summary>Body of <c>POST /api/runs/{runId}/cancel</c>.</summary>
/// <param name="Reason">Why, for the run's log.</param>
public sealed record CancelRequest([property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);

/// <summary>Body a backend posts to a callback URL; an empty body means SUCCESS.</summary>
/// <param name="Status">SUCCESS, FAILED or RUNNING.</param>
/// <param name="Output">The task's output, for downstream tasks.</param>
/// <param name="Message">A note for the run's log.</param>
/// <param name="Retryable">For FAILED: whether a retry may help.</param>
public sealed record CallbackRequest(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Status = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? Output = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Retryable = null);

/// <summary>Answer of a trigger or a retry: the new run; its status URL is in <c>Location</c>.</summary>
/// <param name="RunId">The new run's id.</param>
/// <param name="RetryOf">The run it retries; absent for a trigger.</param>
public sealed record RunAccepted(string RunId, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RetryOf = null);

/// <summary>Answer of <c>POST /api/workflows/{id}/backfill</c>.</summary>
/// <param name="RunIds">Runs started now.</param>
/// <param name="Queued">Runs queued for later (only with maxConcurrent).</param>
/// <param name="AlreadyExisting">Occurrences that had run already.</param>
/// <param name="Occurrences">Occurrences in the range.</param>
/// <param name="MaxConcurrent">The bound given, if any.</param>
public sealed record BackfillStarted(
    IReadOnlyList<string> RunIds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Queued,
    IReadOnlyList<string> AlreadyExisting,
    int Occurrences,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MaxConcurrent);

/// <summary>Answer of <c>DELETE /api/workflows/{id}/backfill</c>.</summary>
/// <param name="Id">Workflow id.</param>
/// <param name="Dropped">Occurrences dropped.</param>
/// <param name="StillRunning">Its runs that continue.</param>
public sealed record BackfillCancelled(string Id, int Dropped, IReadOnlyList<string> StillRunning);

/// <summary>A run as listed.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="Version">Workflow version it runs.</param>
/// <param name="Status">Run status.</param>
/// <param name="Trigger">What started it: schedule, manual, backfill, retry.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="ScheduledAt">The occurrence it stands for, if scheduled.</param>
/// <param name="FinishedAt">When it finished.</param>
public sealed record RunSummary(
    string RunId, string WorkflowId, int Version,
    [property: JsonConverter(typeof(WireEnumConverter<RunStatus>))] RunStatus Status,
    string Trigger, DateTimeOffset CreatedAt, DateTimeOffset? ScheduledAt, DateTimeOffset? FinishedAt);

/// <summary>Answer of <c>GET /api/runs</c>: a page, newest first.</summary>
/// <param name="Items">The runs.</param>
/// <param name="Continuation">Token of the next page; null on the last.</param>
public sealed record RunList(IReadOnlyList<RunSummary> Items, string? Continuation);

/// <summary>A task's state within a run.</summary>
/// <param name="Id">Task id.</param>
/// <param name="Status">Task status.</param>
/// <param name="Attempt">Current or last attempt (0 before the first).</param>
/// <param name="MaxAttempts">Most attempts, when the definition is known.</param>
/// <param name="DependsOn">Upstream ids, when the definition is known.</param>
/// <param name="Stage">Its stage in the plan, when the definition is known.</param>
/// <param name="StartedAt">First start.</param>
/// <param name="FinishedAt">Finish.</param>
/// <param name="DueAt">When a retry or timer is due.</param>
/// <param name="Reason">Why it ended as it did.</param>
/// <param name="StatusCode">Last HTTP status from the backend.</param>
/// <param name="Output">Its output (size-capped).</param>
/// <param name="OutputTruncated">True when the output was cut.</param>
/// <param name="Type">Task type (<c>http</c> or <c>wait</c>), when the definition is known.</param>
/// <param name="When">Its <c>when:</c> condition; null when it has none or the definition is unknown.</param>
public sealed record TaskStateView(
    string Id,
    [property: JsonConverter(typeof(WireEnumConverter<TaskRunStatus>))] TaskRunStatus Status,
    int Attempt, int? MaxAttempts, IReadOnlyList<string>? DependsOn, int? Stage, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    DateTimeOffset? DueAt, string? Reason, int? StatusCode, JsonNode? Output, bool OutputTruncated, string? Type, string? When);

/// <summary>Answer of <c>GET /api/runs/{runId}</c>: the run and every task, in the workflow's order.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="Version">Workflow version.</param>
/// <param name="Status">Run status.</param>
/// <param name="Trigger">What started it.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="ScheduledAt">The occurrence, if scheduled.</param>
/// <param name="FinishedAt">When it finished.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="DurationMs">From start to finish (or to now's last change while running).</param>
/// <param name="Reason">Why it ended as it did.</param>
/// <param name="RetryOf">The run this one retries.</param>
/// <param name="Params">Parameter values given.</param>
/// <param name="TaskCounts">Tasks per status.</param>
/// <param name="Tasks">Every task's state.</param>
/// <param name="TraceId">The run's W3C trace id (every span of the run, and a backend's spans under its calls, are in this trace); null for runs started before Loom traced runs.</param>
public sealed record RunDetail(
    string RunId, string WorkflowId, int Version,
    [property: JsonConverter(typeof(WireEnumConverter<RunStatus>))] RunStatus Status,
    string Trigger, DateTimeOffset CreatedAt, DateTimeOffset? ScheduledAt, DateTimeOffset? FinishedAt, DateTimeOffset? StartedAt,
    double? DurationMs, string? Reason, string? RetryOf, JsonObject Params, IReadOnlyDictionary<string, int> TaskCounts, IReadOnlyList<TaskStateView> Tasks,
    string? TraceId);

/// <summary>One entry of a run's event log, as listed and as streamed.</summary>
/// <param name="Sequence">Position in the log (the stream's event id).</param>
/// <param name="Timestamp">When it was written.</param>
/// <param name="Type">Event type.</param>
/// <param name="TaskId">The task it concerns, if any.</param>
/// <param name="Data">Its details (JSON, or text).</param>
public sealed record RunEventView(long Sequence, DateTimeOffset Timestamp, string Type, string? TaskId, JsonNode? Data);

/// <summary>Answer of <c>GET /api/runs/{runId}/events</c>.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="Items">The log in sequence order.</param>
public sealed record RunEventList(string RunId, IReadOnlyList<RunEventView> Items);

/// <summary>The last frame of an event stream: the run is final.</summary>
/// <param name="RunId">Run id.</param>
public sealed record StreamEnd(string RunId);

/// <summary>One HTTP attempt of a task.</summary>
/// <param name="Attempt">Attempt number from 1.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="DurationMs">How long it took.</param>
/// <param name="Outcome">succeeded, failed, accepted, ...</param>
/// <param name="StatusCode">HTTP status, if there was an answer.</param>
/// <param name="Request">Summary of the request sent.</param>
/// <param name="Error">What went wrong.</param>
/// <param name="Output">The response body kept (text, size-capped).</param>
/// <param name="OutputTruncated">True when the output was cut.</param>
/// <param name="RetryAt">When the next attempt started or is due; only on an attempt that was followed by another.</param>
/// <param name="RetryDelayMs">From this attempt's end to <paramref name="RetryAt"/>.</param>
public sealed record AttemptView(
    int Attempt, DateTimeOffset StartedAt, double DurationMs, string Outcome, int? StatusCode, string Request, string? Error, string? Output, bool OutputTruncated,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? RetryAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? RetryDelayMs = null);

/// <summary>Answer of <c>GET /api/runs/{runId}/tasks/{taskId}/attempts</c>.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="TaskId">Task id.</param>
/// <param name="Items">Attempts in order.</param>
public sealed record AttemptList(string RunId, string TaskId, IReadOnlyList<AttemptView> Items);

/// <summary>Answer of <c>POST /api/runs/{runId}/cancel</c>: the cancel is on its way.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="Status">Always "cancelling".</param>
public sealed record RunCancelling(string RunId, string Status);

/// <summary>Answer of <c>POST /api/callbacks/{token}</c>.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="TaskId">Task id.</param>
/// <param name="Accepted">Always true.</param>
public sealed record CallbackAccepted(string RunId, string TaskId, bool Accepted);
