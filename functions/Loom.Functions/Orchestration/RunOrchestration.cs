using Loom.Core.Orchestration;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Loom.Functions.Orchestration;

/// <summary>The one orchestrator function: a run's whole life, driven by Core's <see cref="RunOrchestrator"/>. The instance id is the run id.</summary>
public static class RunOrchestration
{
    /// <summary>Name of the orchestrator function.</summary>
    public const string Name = "LoomRun";

    /// <summary>Runs one generation of the run; the input is bound from the orchestration's input.</summary>
    /// <param name="context">Durable's orchestration context.</param>
    /// <param name="input">The workflow, the run state and any work carried over by ContinueAsNew.</param>
    [Function(Name)]
    public static Task<RunOrchestrationResult> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context, RunOrchestrationInput input) =>
        RunOrchestrator.RunAsync(new DurableRunOrchestrationContext(context), input);
}
