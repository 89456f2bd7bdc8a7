using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Stores;

namespace Loom.Core.Orchestration;

/// <summary>Input of one generation of a run's orchestration (the first one, or one started by ContinueAsNew).</summary>
/// <param name="Workflow">The workflow version the run executes (parsed once by whoever starts the run).</param>
/// <param name="State">The run's state: started by the driver for a new run (pending from drivers before that, and then the loop starts it), running when carried over by ContinueAsNew.</param>
/// <param name="Carried">Work owed by the previous generation, or by the driver's start for a new run; null: the work the state waits for.</param>
/// <param name="Generation">0 for a new run, incremented by each ContinueAsNew.</param>
/// <param name="ContinueAsNewAfter">Events applied in one generation before it drains and continues as new (keeps the history small).</param>
/// <param name="Stored">The run's row as the last write left it (the driver's create, or the previous generation's last save); null when unknown.</param>
/// <param name="Redrive">
/// For a new orchestration of a finished run under the same instance id (Durable lets a completed, failed or terminated
/// instance id start again): the redrive that resumes the stored, final <paramref name="State"/> in place. Never carried over.
/// </param>
public sealed record RunOrchestrationInput(
    WorkflowDefinition Workflow,
    RunState State,
    CarriedWork? Carried = null,
    int Generation = 0,
    int ContinueAsNewAfter = DurableRunOrchestrator.DefaultContinueAsNewAfter,
    RedriveRequested? Redrive = null,
    StoredRun? Stored = null);
