using Loom.Core.Definitions;

namespace Loom.Core.Engine;

/// <summary>A task of a run as the API shows it: definition facts joined with the task's state.</summary>
/// <param name="TaskId">Task id.</param>
/// <param name="Status">Current status.</param>
/// <param name="Attempt">Current or last attempt (0 before the first).</param>
/// <param name="MaxAttempts">Attempts allowed by the retry policy.</param>
/// <param name="DependsOn">Direct upstream tasks.</param>
/// <param name="Trigger">Trigger rule as spelled in YAML.</param>
/// <param name="Completion">Sync or callback.</param>
/// <param name="AllowFailure">Whether a failure of the task fails the run.</param>
/// <param name="StartedAt">When the first attempt started.</param>
/// <param name="FinishedAt">When the task became final.</param>
/// <param name="DueAt">Next attempt (retrying) or callback deadline (waiting).</param>
/// <param name="Reason">Last error, skip or cancel reason.</param>
/// <param name="LastStatusCode">HTTP status of the last attempt.</param>
/// <param name="HasOutput">Whether the task has an output.</param>
public sealed record TaskView(
    string TaskId,
    TaskRunStatus Status,
    int Attempt,
    int MaxAttempts,
    IReadOnlyList<string> DependsOn,
    string Trigger,
    CompletionMode Completion,
    bool AllowFailure,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset? DueAt,
    string? Reason,
    int? LastStatusCode,
    bool HasOutput)
{
    /// <summary>Task type: <c>http</c> or <c>wait</c>.</summary>
    public string Type { get; init; } = TaskTypes.Http;

    /// <summary>The task's <c>when</c> condition, or null.</summary>
    public string? When { get; init; }
}
