using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

// The bodies of the /api/workflows routes. Declaration order is wire order: clients (CLI, dashboard) read these as they were
// written by hand before, so a field moves only with a reason.

/// <summary>One problem in a workflow source, with where it is.</summary>
/// <param name="Line">1-based line, 0 when unknown.</param>
/// <param name="Column">1-based column, 0 when unknown.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Path">Where in the model (e.g. tasks[1].url), when known.</param>
public sealed record WorkflowError(int Line, int Column, string Message, string? Path);

/// <summary>Answer of <c>POST /api/workflows/validate</c>.</summary>
/// <param name="Valid">True when the source would register.</param>
/// <param name="Id">The workflow id, when the source got that far.</param>
/// <param name="ErrorCount">Every error found (the list holds the first ones).</param>
/// <param name="Errors">The errors, with line and column.</param>
/// <param name="Warnings">Things that register but probably do not do what was meant.</param>
public sealed record WorkflowValidation(bool Valid, string? Id, int ErrorCount, IReadOnlyList<WorkflowError> Errors, IReadOnlyList<string> Warnings);

/// <summary>Answer of <c>POST /api/workflows</c>: 201 when a new version was stored, 200 when the content was the same.</summary>
/// <param name="Id">Workflow id.</param>
/// <param name="Version">The current version.</param>
/// <param name="Created">True when this call stored a new version.</param>
/// <param name="Warnings">Warnings about the definition.</param>
public sealed record WorkflowRegistered(string Id, int Version, bool Created, IReadOnlyList<string> Warnings);

/// <summary>A workflow's schedule as shown.</summary>
/// <param name="Cron">Cron expression (5 or 6 fields).</param>
/// <param name="Timezone">IANA time zone.</param>
/// <param name="Description">The cron in words.</param>
/// <param name="Catchup">Missed occurrences policy.</param>
/// <param name="Concurrency">Overlapping runs policy.</param>
public sealed record ScheduleView(
    string Cron,
    string Timezone,
    string Description,
    [property: JsonConverter(typeof(WireEnumConverter<CatchupPolicy>))] CatchupPolicy Catchup,
    [property: JsonConverter(typeof(WireEnumConverter<ConcurrencyPolicy>))] ConcurrencyPolicy Concurrency);

/// <summary>A workflow as listed by <c>GET /api/workflows</c>.</summary>
/// <param name="Id">Workflow id.</param>
/// <param name="Name">Display name (the id when none).</param>
/// <param name="Description">Description, when given.</param>
/// <param name="Version">Current version.</param>
/// <param name="Paused">True when scheduling is paused.</param>
/// <param name="UpdatedAt">Last change of the head.</param>
/// <param name="Tags">Tags.</param>
/// <param name="TaskCount">Number of tasks.</param>
/// <param name="Schedule">The schedule, null when run on demand only.</param>
/// <param name="NextFireTimes">Next occurrences (none when paused or unscheduled).</param>
/// <param name="NextFireTime">The first of them.</param>
/// <param name="LastRun">The newest run, if any.</param>
public sealed record WorkflowSummary(
    string Id, string Name, string? Description, int Version, bool Paused, DateTimeOffset UpdatedAt, IReadOnlyList<string> Tags, int TaskCount,
    ScheduleView? Schedule, IReadOnlyList<DateTimeOffset> NextFireTimes, DateTimeOffset? NextFireTime, RunSummary? LastRun);

/// <summary>Answer of <c>GET /api/workflows</c>.</summary>
/// <param name="Items">Every workflow that is not deleted.</param>
public sealed record WorkflowList(IReadOnlyList<WorkflowSummary> Items);

/// <summary>A backfill under way, as shown with its workflow.</summary>
/// <param name="Queued">Occurrences not started yet.</param>
/// <param name="Active">Its runs still going.</param>
/// <param name="MaxConcurrent">At most this many at once.</param>
public sealed record BackfillProgress(int Queued, int Active, int MaxConcurrent);

/// <summary>A task of a parsed definition (for the graph).</summary>
/// <param name="Id">Task id.</param>
/// <param name="Type">Task type: <c>http</c> or <c>wait</c>.</param>
/// <param name="Method">HTTP method; null for a wait task.</param>
/// <param name="Url">URL, templates unexpanded; null for a wait task.</param>
/// <param name="When">Its <c>when:</c> condition; null when it has none.</param>
/// <param name="DurationMs">How long a wait task waits; null otherwise.</param>
/// <param name="Until">Template of the instant a wait task waits until; null otherwise.</param>
/// <param name="DependsOn">Upstream task ids.</param>
/// <param name="Trigger">Trigger rule.</param>
/// <param name="Completion">sync or callback.</param>
/// <param name="TimeoutMs">Per-attempt timeout.</param>
/// <param name="MaxAttempts">Most attempts.</param>
/// <param name="Backoff">Backoff kind.</param>
/// <param name="AllowFailure">True when its failure does not fail the run.</param>
public sealed record DefinitionTask(
    string Id, string Type, string? Method, string? Url, string? When, double? DurationMs, string? Until, IReadOnlyList<string> DependsOn,
    [property: JsonConverter(typeof(WireEnumConverter<TriggerRule>))] TriggerRule Trigger,
    [property: JsonConverter(typeof(WireEnumConverter<CompletionMode>))] CompletionMode Completion,
    double TimeoutMs, int MaxAttempts,
    [property: JsonConverter(typeof(WireEnumConverter<BackoffKind>))] BackoffKind Backoff,
    bool AllowFailure);

/// <summary>A parsed definition: tasks, edges and policies.</summary>
/// <param name="Id">Workflow id.</param>
/// <param name="Name">Display name.</param>
/// <param name="FailFast">True when the first failure cancels the rest.</param>
/// <param name="TimeoutMs">Whole-run timeout, when set.</param>
/// <param name="Params">Parameters with their defaults.</param>
/// <param name="Tasks">Tasks in definition order.</param>
public sealed record DefinitionView(string Id, string Name, bool FailFast, double? TimeoutMs, JsonObject Params, IReadOnlyList<DefinitionTask> Tasks);

/// <summary>Answer of <c>GET /api/workflows/{id}</c>.</summary>
/// <param name="Id">Workflow id.</param>
/// <param name="Name">Display name.</param>
/// <param name="Description">Description, when given.</param>
/// <param name="Version">Current version.</param>
/// <param name="Paused">True when paused.</param>
/// <param name="UpdatedAt">Last change of the head.</param>
/// <param name="Tags">Tags.</param>
/// <param name="TaskCount">Number of tasks.</param>
/// <param name="Schedule">The schedule, null when none.</param>
/// <param name="NextFireTimes">Next occurrences.</param>
/// <param name="NextFireTime">The first of them.</param>
/// <param name="Source">The current version's source as registered.</param>
/// <param name="Definition">The parsed definition.</param>
/// <param name="Backfill">A backfill under way; absent when none.</param>
public sealed record WorkflowDetail(
    string Id, string Name, string? Description, int Version, bool Paused, DateTimeOffset UpdatedAt, IReadOnlyList<string> Tags, int TaskCount,
    ScheduleView? Schedule, IReadOnlyList<DateTimeOffset> NextFireTimes, DateTimeOffset? NextFireTime, string? Source, DefinitionView Definition,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BackfillProgress? Backfill);

/// <summary>One version as listed.</summary>
/// <param name="Version">Version number.</param>
/// <param name="ContentHash">Hash of its source.</param>
/// <param name="CreatedAt">When it was registered.</param>
public sealed record WorkflowVersionSummary(int Version, string ContentHash, DateTimeOffset CreatedAt);

/// <summary>Answer of <c>GET /api/workflows/{id}/versions</c>.</summary>
/// <param name="Id">Workflow id.</param>
/// <param name="Items">Versions, oldest first.</param>
public sealed record WorkflowVersionList(string Id, IReadOnlyList<WorkflowVersionSummary> Items);

/// <summary>Answer of <c>GET /api/workflows/{id}/versions/{version}</c>.</summary>
/// <param name="Id">Workflow id.</param>
/// <param name="Version">Version number.</param>
/// <param name="ContentHash">Hash of its source.</param>
/// <param name="CreatedAt">When it was registered.</param>
/// <param name="Source">The source as registered.</param>
public sealed record WorkflowVersionSource(string Id, int Version, string ContentHash, DateTimeOffset CreatedAt, string Source);

/// <summary>Answer of <c>DELETE /api/workflows/{id}</c>.</summary>
/// <param name="Id">Workflow id.</param>
/// <param name="Deleted">Always true.</param>
public sealed record WorkflowDeleted(string Id, bool Deleted);

/// <summary>Answer of <c>POST /api/workflows/{id}/pause</c> and <c>/resume</c>.</summary>
/// <param name="Id">Workflow id.</param>
/// <param name="Paused">The new state.</param>
public sealed record WorkflowPaused(string Id, bool Paused);
