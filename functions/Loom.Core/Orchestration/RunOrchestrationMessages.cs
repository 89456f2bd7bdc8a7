using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Stores;

namespace Loom.Core.Orchestration;

/// <summary>Input of one generation of a run's orchestration (the first one, or one started by ContinueAsNew).</summary>
/// <param name="Workflow">The workflow version the run executes (parsed once by whoever starts the run).</param>
/// <param name="State">The run's state: pending for a new run, running when carried over by ContinueAsNew.</param>
/// <param name="Carried">Work owed by the previous generation; empty for a new run.</param>
/// <param name="Generation">0 for a new run, incremented by each ContinueAsNew.</param>
/// <param name="ContinueAsNewAfter">Events applied in one generation before it drains and continues as new (keeps the history small).</param>
/// <param name="Stored">The run's row as the last write left it (the driver's create, or the previous generation's last save); null when unknown.</param>
public sealed record RunOrchestrationInput(
    WorkflowDefinition Workflow,
    RunState State,
    CarriedWork? Carried = null,
    int Generation = 0,
    int ContinueAsNewAfter = RunOrchestrator.DefaultContinueAsNewAfter,
    StoredRun? Stored = null);

/// <summary>
/// What a save needs to replace the run's row without reading it first: the ETag the last write returned and the trigger kept
/// in the row. A stale ETag only costs the read the save would otherwise have made.
/// </summary>
/// <param name="ETag">ETag of the row after the last write.</param>
/// <param name="Trigger">What started the run, as stored.</param>
public sealed record StoredRun(string ETag, string Trigger);

/// <summary>Result of the <c>SaveRun</c> activity.</summary>
/// <param name="Written">True when the snapshot was written, false when a newer one was already stored.</param>
/// <param name="Stored">The row as it is now, for the next save; null when unknown.</param>
public sealed record SaveRunResult(bool Written, StoredRun? Stored)
{
    /// <summary>Reads an activity result: this record, or the bare <see cref="bool"/> an orchestration's history holds from before saves returned the row's ETag.</summary>
    /// <param name="payload">The result as the host delivered it.</param>
    public static SaveRunResult Read(System.Text.Json.JsonElement payload) =>
        payload.ValueKind == System.Text.Json.JsonValueKind.Object
            ? RunOrchestrationJson.FromPayload<SaveRunResult>(payload)
            : new SaveRunResult(payload.ValueKind == System.Text.Json.JsonValueKind.True, null);
}

/// <summary>
/// What one generation hands to the next: attempts decided but not yet sent, timers and callback waits still open.
/// Activities are never carried: a generation continues as new only when none is in flight.
/// </summary>
/// <param name="Invokes">Attempts to send first, in order.</param>
/// <param name="Timers">Timers to re-create with the same fire times.</param>
/// <param name="Callbacks">Callback waits to re-open.</param>
public sealed record CarriedWork(IReadOnlyList<InvokeTask> Invokes, IReadOnlyList<StartTimer> Timers, IReadOnlyList<WaitForCallback> Callbacks)
{
    /// <summary>Nothing owed.</summary>
    public static CarriedWork None { get; } = new([], [], []);
}

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
    string? SigningSecret)
{
    /// <summary>The <c>Idempotency-Key</c> the backend sees: the same on every attempt and every re-delivery of this task.</summary>
    public string IdempotencyKey => $"{RunId}:{TaskId}";
}

/// <summary>Input of the <c>SaveRun</c> activity: the latest snapshot and the log entries and attempt rows produced since the previous save.</summary>
/// <param name="State">The run state to store (replaces an older one; a snapshot with a lower <see cref="RunState.EventCount"/> never overwrites a newer one).</param>
/// <param name="Events">Event-log rows to append; ids are deterministic, so a re-delivered save stores each once.</param>
/// <param name="Attempts">Attempt rows the <c>InvokeTask</c> activities returned since the previous save (one row per run, task and attempt, so writing one twice replaces it).</param>
/// <param name="Stored">The row as the previous write left it: the save replaces it without reading it first; null to read it.</param>
public sealed record SaveRunInput(RunState State, IReadOnlyList<RunEventRecord> Events, IReadOnlyList<AttemptRecord>? Attempts = null, StoredRun? Stored = null);

/// <summary>
/// Result of the <c>InvokeTask</c> activity: the attempt's outcome and its attempts-history row, which the orchestration stores
/// with its next save (the row is in the orchestration's history from then on, so a crash before that save loses nothing).
/// </summary>
/// <param name="Outcome">How the attempt ended.</param>
/// <param name="Record">The attempt's row; null for an attempt abandoned because its run ended.</param>
public sealed record InvokeTaskResult(AttemptOutcome Outcome, AttemptRecord? Record)
{
    /// <summary>
    /// Reads an activity result: this record, or the bare <see cref="AttemptOutcome"/> an orchestration's history holds from
    /// before attempt rows were returned (that activity stored its row itself).
    /// </summary>
    /// <param name="payload">The result as the host delivered it.</param>
    public static InvokeTaskResult Read(System.Text.Json.JsonElement payload) =>
        payload.ValueKind == System.Text.Json.JsonValueKind.Object && payload.TryGetProperty("outcome", out _)
            ? RunOrchestrationJson.FromPayload<InvokeTaskResult>(payload)
            : new InvokeTaskResult(RunOrchestrationJson.FromPayload<AttemptOutcome>(payload), null);
}

/// <summary>Payload of the <c>cancel</c> external event.</summary>
/// <param name="Reason">Why the run is cancelled.</param>
public sealed record CancelRunRequest(string? Reason);

/// <summary>What an orchestration generation returns.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="Status">Final status, or Running when the generation continued as new.</param>
/// <param name="Reason">Why the run ended as it did.</param>
/// <param name="ContinuedAsNew">True when this generation handed over to a new one.</param>
public sealed record RunOrchestrationResult(string RunId, RunStatus Status, string? Reason, bool ContinuedAsNew);

/// <summary>An external event for a run: its name and payload, as the host raises it.</summary>
/// <param name="Name">Event name.</param>
/// <param name="Payload">Payload: an <see cref="AttemptOutcome"/> for a callback, a <see cref="CancelRunRequest"/> for a cancel.</param>
public sealed record RunExternalEvent(string Name, object Payload);
