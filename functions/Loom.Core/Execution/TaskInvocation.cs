using System.Text.Json.Nodes;

namespace Loom.Core.Execution;

/// <summary>Everything the executor needs to know about one attempt of one task in one run.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="TaskId">Task id within the workflow.</param>
/// <param name="Attempt">1-based attempt number.</param>
/// <param name="ScheduledAt">The occurrence the run is for (or its trigger time).</param>
/// <param name="Params">Run parameters (defaults merged with the run's overrides).</param>
/// <param name="Inputs">Outputs of the task's direct upstream tasks, by task id.</param>
/// <param name="CallbackUrl">The single-use URL the backend POSTs its result to; set only for <c>completion: callback</c> tasks.</param>
public sealed record TaskInvocation(
    string RunId,
    string WorkflowId,
    string TaskId,
    int Attempt,
    DateTimeOffset ScheduledAt,
    JsonObject Params,
    IReadOnlyDictionary<string, JsonNode?> Inputs,
    string? CallbackUrl = null)
{
    /// <summary>The item of a forEach instance, sent in the envelope as <c>item</c>; meaningful only when <see cref="Index"/> is set.</summary>
    public JsonNode? Item { get; init; }

    /// <summary>The index of a forEach instance's item, sent in the envelope as <c>index</c>; null for other tasks.</summary>
    public int? Index { get; init; }
}
