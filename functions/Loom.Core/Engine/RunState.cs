using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Execution;

namespace Loom.Core.Engine;

/// <summary>Status of a run.</summary>
public enum RunStatus
{
    /// <summary>Created, not started.</summary>
    Pending,

    /// <summary>At least one task is not final.</summary>
    Running,

    /// <summary>Every task is final and no failure counts against the run.</summary>
    Succeeded,

    /// <summary>A task failed (without allowFailure), or the run timed out.</summary>
    Failed,

    /// <summary>Cancelled on request or replaced by a newer occurrence.</summary>
    Cancelled,
}

/// <summary>Status of one task within a run.</summary>
public enum TaskRunStatus
{
    /// <summary>Waiting for its upstream tasks.</summary>
    Pending,

    /// <summary>An attempt is in flight.</summary>
    Running,

    /// <summary>The backend accepted the work; waiting for its callback.</summary>
    Waiting,

    /// <summary>An attempt failed; the next one starts when its backoff timer fires.</summary>
    Retrying,

    /// <summary>Done successfully.</summary>
    Succeeded,

    /// <summary>Failed for good.</summary>
    Failed,

    /// <summary>Its trigger rule can no longer hold.</summary>
    Skipped,

    /// <summary>Cancelled with the run.</summary>
    Cancelled,
}

/// <summary>The whole state of a run: the state machine's snapshot, serialised as JSON into storage.</summary>
public sealed record RunState
{
    /// <summary>Run id.</summary>
    public required string RunId { get; init; }

    /// <summary>Workflow id.</summary>
    public required string WorkflowId { get; init; }

    /// <summary>Workflow version the run executes.</summary>
    public required int WorkflowVersion { get; init; }

    /// <summary>Run status.</summary>
    public RunStatus Status { get; init; } = RunStatus.Pending;

    /// <summary>Parameters: the workflow's defaults merged with the run's overrides.</summary>
    public required JsonObject Params { get; init; }

    /// <summary>The occurrence the run is for, or its trigger time.</summary>
    public required DateTimeOffset ScheduledAt { get; init; }

    /// <summary>When the run was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the run started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the run reached a final status.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Why the run ended as it did (failed task, timeout, cancel reason).</summary>
    public string? Reason { get; init; }

    /// <summary>The run this one retries, for "retry from failed".</summary>
    public string? RetryOf { get; init; }

    /// <summary>The name of the API key that started the run (trigger, retry, backfill); null for the scheduler.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TriggeredBy { get; init; }

    /// <summary>How many times the run was redriven in place (0 for a run never redriven); the run timeout timer carries it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Redrives { get; init; }

    /// <summary>When the run was last redriven; the run timeout counts from here after a redrive.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? RedrivenAt { get; init; }

    /// <summary>Per-task state, by task id.</summary>
    public required IReadOnlyDictionary<string, TaskState> Tasks { get; init; }

    /// <summary>Number of events applied so far; also the next event log sequence.</summary>
    public long EventCount { get; init; }

    /// <summary>The run's trace context, chosen by the driver that starts the run; null for runs started before Loom traced runs.</summary>
    public RunTrace? Trace { get; init; }

    /// <summary>True once the run missed its <c>sla</c> (it is missed once).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool SlaMissed { get; init; }

    /// <summary>Notifications the run owes (not yet reported sent or failed), oldest first; null when none.</summary>
    public IReadOnlyList<Notice>? Notices { get; init; }
}

/// <summary>State of one task within a run.</summary>
public sealed record TaskState
{
    /// <summary>Status of the task.</summary>
    public TaskRunStatus Status { get; init; } = TaskRunStatus.Pending;

    /// <summary>Number of the current (or last) attempt; 0 before the first.</summary>
    public int Attempt { get; init; }

    /// <summary>
    /// Attempts made before the run's last redrive: numbering continues after a redrive (attempt rows are never reused), while
    /// the retry budget counts only the attempts since (<see cref="Attempt"/> minus this).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int AttemptBase { get; init; }

    /// <summary>
    /// Attempts since the last redrive that were held, not sent, because their target's circuit was open: they have numbers (and
    /// rows) but do not count against the retry budget, which counts <see cref="Attempt"/> minus <see cref="AttemptBase"/> minus this.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int HeldAttempts { get; init; }

    /// <summary>Attempts since the last redrive that count against the retry budget.</summary>
    [JsonIgnore]
    public int CountedAttempts => Attempt - AttemptBase - HeldAttempts;

    /// <summary>When the first attempt started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the task reached a final status.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>When the next attempt is due (Retrying) or the callback deadline (Waiting).</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>Why the task is in its status (last error, skip reason).</summary>
    public string? Reason { get; init; }

    /// <summary>HTTP status code of the last attempt.</summary>
    public int? LastStatusCode { get; init; }

    /// <summary>Output of a succeeded task, available to downstream templates.</summary>
    public JsonNode? Output { get; init; }

    /// <summary>True when the output was capped.</summary>
    public bool OutputTruncated { get; init; }

    /// <summary>
    /// A callback task's result posted to its callback URL while the call that announced the URL was still in flight (Running):
    /// the result of the current attempt once the call answers, whatever it answers.
    /// </summary>
    public AttemptOutcome? HeldCallback { get; init; }

    /// <summary>True once the task missed its <c>sla</c> (once per task; a redrive that runs the task again starts afresh).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool SlaMissed { get; init; }

    /// <summary>The instances of a forEach task once its list is resolved; null for any other task.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ForEachState? ForEach { get; init; }
}
