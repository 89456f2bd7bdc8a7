using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Execution;

/// <summary>Input of the <c>InvokeTask</c> activity: one HTTP attempt with everything needed to build its request, so the activity reads no run state.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="WorkflowVersion">Workflow version.</param>
/// <param name="TaskId">Task id.</param>
/// <param name="Attempt">1-based attempt number.</param>
/// <param name="ScheduledAt">The occurrence the run is for.</param>
/// <param name="Params">Run parameters.</param>
/// <param name="Inputs">Outputs of the task's direct upstream tasks (the envelope's <c>inputs</c>).</param>
/// <param name="Outputs">Outputs of every succeeded upstream task, direct or not (for <c>tasks.X.output</c> templates).</param>
/// <param name="Task">The task's definition (url, headers, body, timeout, completion mode).</param>
/// <param name="SigningSecret">Name of the host secret that signs the body; null for none.</param>
/// <param name="Trace">The run's trace context: the attempt's span is a child of its task's span, and its request carries <c>traceparent</c>.</param>
public sealed record InvokeTaskInput(
    string RunId,
    string WorkflowId,
    int WorkflowVersion,
    string TaskId,
    int Attempt,
    DateTimeOffset ScheduledAt,
    JsonObject Params,
    IReadOnlyDictionary<string, JsonNode?> Inputs,
    IReadOnlyDictionary<string, JsonNode?> Outputs,
    TaskDefinition Task,
    string? SigningSecret,
    Engine.RunTrace? Trace = null)
{
    /// <summary>The task's attempt count when it was last redriven (0 if never): the attempt's span is a child of that redrive's task span.</summary>
    public int AttemptBase { get; init; }

    /// <summary>The item of a forEach instance (<c>${{ item }}</c>); null for other tasks.</summary>
    public JsonNode? Item { get; init; }

    /// <summary>The index of a forEach instance's item (<c>${{ index }}</c>); null for other tasks.</summary>
    public int? Index { get; init; }

    /// <summary>Set on the attempt that may end the run: the activity stores the final state itself when its outcome ends it (see <see cref="FinishOffer"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public FinishOffer? Finish { get; init; }

    /// <summary>The <c>Idempotency-Key</c> the backend sees: the same on every attempt and every re-delivery of this task.</summary>
    public string IdempotencyKey => $"{RunId}:{TaskId}";
}
