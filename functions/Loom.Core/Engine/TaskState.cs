using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Loom.Core.Engine;

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
