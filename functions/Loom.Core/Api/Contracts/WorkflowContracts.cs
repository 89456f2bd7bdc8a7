using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

// The bodies of the /api/workflows routes. Declaration order is wire order: clients (CLI, dashboard) read these as they were
// written by hand before, so a field moves only with a reason.

/// <summary>One problem in a workflow source, with where it is.</summary>
public sealed record WorkflowError(
    [property: Description("1-based line, 0 when unknown.")] int Line,
    [property: Description("1-based column, 0 when unknown.")] int Column,
    [property: Description("What is wrong.")] string Message,
    [property: Description("Where in the model (e.g. tasks[1].url), when known.")] string? Path);

/// <summary>Answer of <c>POST /api/workflows/validate</c>.</summary>
public sealed record WorkflowValidation(
    [property: Description("True when the source would register.")] bool Valid,
    [property: Description("The workflow id, when the source got that far.")] string? Id,
    [property: Description("Every error found (the list holds the first ones).")] int ErrorCount,
    [property: Description("The errors, with line and column.")] IReadOnlyList<WorkflowError> Errors,
    [property: Description("Things that register but probably do not do what was meant.")] IReadOnlyList<string> Warnings);

/// <summary>Answer of <c>POST /api/workflows</c>: 201 when a new version was stored, 200 when the content was the same.</summary>
public sealed record WorkflowRegistered(
    [property: Description("Workflow id.")] string Id,
    [property: Description("The current version.")] int Version,
    [property: Description("True when this call stored a new version.")] bool Created,
    [property: Description("Warnings about the definition.")] IReadOnlyList<string> Warnings);

/// <summary>A workflow's schedule as shown.</summary>
public sealed record ScheduleView(
    [property: Description("Cron expression (5 or 6 fields).")] string Cron,
    [property: Description("IANA time zone.")] string Timezone,
    [property: Description("The cron in words.")] string Description,
    [property: Description("Missed occurrences policy."), JsonConverter(typeof(WireEnumConverter<CatchupPolicy>))] CatchupPolicy Catchup,
    [property: Description("Overlapping runs policy."), JsonConverter(typeof(WireEnumConverter<ConcurrencyPolicy>))] ConcurrencyPolicy Concurrency);

/// <summary>A workflow as listed by <c>GET /api/workflows</c>.</summary>
public sealed record WorkflowSummary(
    [property: Description("Workflow id.")] string Id,
    [property: Description("Display name (the id when none).")] string Name,
    [property: Description("Description, when given.")] string? Description,
    [property: Description("Current version.")] int Version,
    [property: Description("True when scheduling is paused.")] bool Paused,
    [property: Description("Last change of the head.")] DateTimeOffset UpdatedAt,
    [property: Description("Tags.")] IReadOnlyList<string> Tags,
    [property: Description("Number of tasks.")] int TaskCount,
    [property: Description("The schedule, null when run on demand only.")] ScheduleView? Schedule,
    [property: Description("Next occurrences (none when paused or unscheduled).")] IReadOnlyList<DateTimeOffset> NextFireTimes,
    [property: Description("The first of them.")] DateTimeOffset? NextFireTime,
    [property: Description("The newest run, if any.")] RunSummary? LastRun);

/// <summary>Answer of <c>GET /api/workflows</c>.</summary>
public sealed record WorkflowList(
    [property: Description("Every workflow that is not deleted.")] IReadOnlyList<WorkflowSummary> Items);

/// <summary>A backfill under way, as shown with its workflow.</summary>
public sealed record BackfillProgress(
    [property: Description("Occurrences not started yet.")] int Queued,
    [property: Description("Its runs still going.")] int Active,
    [property: Description("At most this many at once.")] int MaxConcurrent);

/// <summary>A task of a parsed definition (for the graph).</summary>
public sealed record DefinitionTask(
    [property: Description("Task id.")] string Id,
    [property: Description("Task type: `http` or `wait`.")] string Type,
    [property: Description("HTTP method; null for a wait task.")] string? Method,
    [property: Description("URL, templates unexpanded; null for a wait task.")] string? Url,
    [property: Description("Its `when:` condition; null when it has none.")] string? When,
    [property: Description("How long a wait task waits; null otherwise.")] double? DurationMs,
    [property: Description("Template of the instant a wait task waits until; null otherwise.")] string? Until,
    [property: Description("Upstream task ids.")] IReadOnlyList<string> DependsOn,
    [property: Description("Trigger rule."), JsonConverter(typeof(WireEnumConverter<TriggerRule>))] TriggerRule Trigger,
    [property: Description("sync or callback."), JsonConverter(typeof(WireEnumConverter<CompletionMode>))] CompletionMode Completion,
    [property: Description("Per-attempt timeout.")] double TimeoutMs,
    [property: Description("Most attempts.")] int MaxAttempts,
    [property: Description("Backoff kind."), JsonConverter(typeof(WireEnumConverter<BackoffKind>))] BackoffKind Backoff,
    [property: Description("True when its failure does not fail the run.")] bool AllowFailure);

/// <summary>A parsed definition: tasks, edges and policies.</summary>
public sealed record DefinitionView(
    [property: Description("Workflow id.")] string Id,
    [property: Description("Display name.")] string Name,
    [property: Description("True when the first failure cancels the rest.")] bool FailFast,
    [property: Description("Whole-run timeout, when set.")] double? TimeoutMs,
    [property: Description("Parameters with their defaults.")] JsonObject Params,
    [property: Description("Tasks in definition order.")] IReadOnlyList<DefinitionTask> Tasks);

/// <summary>Answer of <c>GET /api/workflows/{id}</c>.</summary>
public sealed record WorkflowDetail(
    [property: Description("Workflow id.")] string Id,
    [property: Description("Display name.")] string Name,
    [property: Description("Description, when given.")] string? Description,
    [property: Description("Current version.")] int Version,
    [property: Description("True when paused.")] bool Paused,
    [property: Description("Last change of the head.")] DateTimeOffset UpdatedAt,
    [property: Description("Tags.")] IReadOnlyList<string> Tags,
    [property: Description("Number of tasks.")] int TaskCount,
    [property: Description("The schedule, null when none.")] ScheduleView? Schedule,
    [property: Description("Next occurrences.")] IReadOnlyList<DateTimeOffset> NextFireTimes,
    [property: Description("The first of them.")] DateTimeOffset? NextFireTime,
    [property: Description("The current version's source as registered.")] string? Source,
    [property: Description("The parsed definition.")] DefinitionView Definition,
    [property: Description("A backfill under way; absent when none."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BackfillProgress? Backfill);

/// <summary>One version as listed.</summary>
public sealed record WorkflowVersionSummary(
    [property: Description("Version number.")] int Version,
    [property: Description("Hash of its source.")] string ContentHash,
    [property: Description("When it was registered.")] DateTimeOffset CreatedAt);

/// <summary>Answer of <c>GET /api/workflows/{id}/versions</c>.</summary>
public sealed record WorkflowVersionList(
    [property: Description("Workflow id.")] string Id,
    [property: Description("Versions, oldest first.")] IReadOnlyList<WorkflowVersionSummary> Items);

/// <summary>Answer of <c>GET /api/workflows/{id}/versions/{version}</c>.</summary>
public sealed record WorkflowVersionSource(
    [property: Description("Workflow id.")] string Id,
    [property: Description("Version number.")] int Version,
    [property: Description("Hash of its source.")] string ContentHash,
    [property: Description("When it was registered.")] DateTimeOffset CreatedAt,
    [property: Description("The source as registered.")] string Source);

/// <summary>Answer of <c>DELETE /api/workflows/{id}</c>.</summary>
public sealed record WorkflowDeleted(
    [property: Description("Workflow id.")] string Id,
    [property: Description("Always true.")] bool Deleted);

/// <summary>Answer of <c>POST /api/workflows/{id}/pause</c> and <c>/resume</c>.</summary>
public sealed record WorkflowPaused(
    [property: Description("Workflow id.")] string Id,
    [property: Description("The new state.")] bool Paused);
