namespace Loom.Core.Stores;

/// <summary>A stored, immutable version of a workflow's source.</summary>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="Version">1-based version number.</param>
/// <param name="ContentHash">SHA-256 (hex) of the normalised source; identical content yields the same version.</param>
/// <param name="Source">The source as registered.</param>
/// <param name="CreatedAt">When this version was registered.</param>
public sealed record WorkflowVersionRecord(string WorkflowId, int Version, string ContentHash, string Source, DateTimeOffset CreatedAt);

/// <summary>The head row of a workflow: its current version and operational flags.</summary>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="CurrentVersion">The version new runs use.</param>
/// <param name="Paused">When true the scheduler starts no runs.</param>
/// <param name="Deleted">When true the workflow is hidden and never scheduled; its history is kept.</param>
/// <param name="UpdatedAt">Last change of the head.</param>
/// <param name="ETag">Concurrency token of the head row.</param>
public sealed record WorkflowHead(string WorkflowId, int CurrentVersion, bool Paused, bool Deleted, DateTimeOffset UpdatedAt, string ETag);

/// <summary>Outcome of registering a workflow source.</summary>
/// <param name="Version">The version that now holds the content.</param>
/// <param name="Created">False when identical content was already the current version.</param>
public sealed record RegisterOutcome(int Version, bool Created);

/// <summary>A run as stored: summary columns for listing, plus the engine's opaque state and outbox.</summary>
/// <remarks>The state and outbox are JSON written and read by the engine; the store does not interpret them.</remarks>
public sealed record RunRecord
{
    /// <summary>Run id (deterministic for scheduled runs).</summary>
    public required string RunId { get; init; }

    /// <summary>Workflow id.</summary>
    public required string WorkflowId { get; init; }

    /// <summary>Workflow version the run executes.</summary>
    public required int WorkflowVersion { get; init; }

    /// <summary>pending, running, succeeded, failed or cancelled.</summary>
    public required string Status { get; init; }

    /// <summary>When the run was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The schedule occurrence, or the trigger time for manual runs.</summary>
    public DateTimeOffset? ScheduledAt { get; init; }

    /// <summary>When the run reached a final status.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>What started it: schedule, manual, backfill, retry.</summary>
    public string Trigger { get; init; } = "manual";

    /// <summary>The state machine's snapshot, as JSON.</summary>
    public required string State { get; init; }

    /// <summary>Committed commands not yet executed, as JSON; empty when nothing is owed.</summary>
    public string Outbox { get; init; } = "";

    /// <summary>Concurrency token; null for a record not yet stored.</summary>
    public string? ETag { get; init; }
}

/// <summary>Filter and paging of a run listing (newest first).</summary>
/// <param name="WorkflowId">Only this workflow's runs, when given.</param>
/// <param name="Status">Only runs in this status, when given.</param>
/// <param name="Since">Only runs created at or after this instant, when given.</param>
/// <param name="Limit">Page size (1..1000).</param>
/// <param name="Continuation">Token from the previous page.</param>
public sealed record RunQuery(string? WorkflowId = null, string? Status = null, DateTimeOffset? Since = null, int Limit = 50, string? Continuation = null);

/// <summary>One page of results and the token for the next, null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Continuation);

/// <summary>One HTTP attempt of a task, as kept in the attempts history.</summary>
public sealed record AttemptRecord
{
    /// <summary>Run id.</summary>
    public required string RunId { get; init; }

    /// <summary>Task id.</summary>
    public required string TaskId { get; init; }

    /// <summary>1-based attempt number.</summary>
    public required int Attempt { get; init; }

    /// <summary>When the request was sent.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>How long until the response (or the failure).</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>succeeded, failed, retryable, accepted (waiting for callback), timeout, refused...</summary>
    public required string Outcome { get; init; }

    /// <summary>HTTP status code, when a response came.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Method and URL sent (secrets masked).</summary>
    public string RequestSummary { get; init; } = "";

    /// <summary>Why it failed, when it did.</summary>
    public string? Error { get; init; }

    /// <summary>Response output (JSON text) or a capped body.</summary>
    public string? Output { get; init; }

    /// <summary>True when <see cref="Output"/> was cut to the size cap.</summary>
    public bool OutputTruncated { get; init; }
}

/// <summary>One entry of a run's append-only event log.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="EventId">Unique id within the run; appending the same id twice stores it once.</param>
/// <param name="Sequence">Position in the run's log (monotonic).</param>
/// <param name="Timestamp">When it happened.</param>
/// <param name="Type">Event type, e.g. RunStarted, TaskSucceeded.</param>
/// <param name="TaskId">The task concerned, when one is.</param>
/// <param name="Data">Details as JSON.</param>
public sealed record RunEventRecord(string RunId, string EventId, long Sequence, DateTimeOffset Timestamp, string Type, string? TaskId, string Data);

/// <summary>Scheduler bookkeeping of one workflow.</summary>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="LastEvaluated">Occurrences up to this instant have been handled.</param>
/// <param name="ETag">Concurrency token; null when never stored.</param>
public sealed record SchedulerState(string WorkflowId, DateTimeOffset LastEvaluated, string? ETag);

/// <summary>A backfill with bounded concurrency still under way: the occurrences not started yet and the runs it has active.</summary>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="MaxConcurrent">Most of its runs active at once.</param>
/// <param name="Params">Parameter overrides of its runs (a JSON object, as given).</param>
/// <param name="Pending">Occurrences not started yet, oldest first.</param>
/// <param name="Active">Run ids it started that were not final when last looked at.</param>
/// <param name="ETag">Concurrency token; null when never stored.</param>
public sealed record BackfillQueue(string WorkflowId, int MaxConcurrent, string Params, IReadOnlyList<DateTimeOffset> Pending, IReadOnlyList<string> Active, string? ETag);
