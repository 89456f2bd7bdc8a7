using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Loom.Core.Engine;

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
