using System.Text.Json;
using Loom.Core.Orchestration;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Loom.Functions.Orchestration;

/// <summary>The one orchestrator function: a run's whole life, driven by Core's <see cref="DurableRunOrchestrator"/>. The instance id is the run id.</summary>
public static class RunOrchestratorFunction
{
    /// <summary>Name of the orchestrator function.</summary>
    public const string Name = "LoomRun";

    /// <summary>Runs one generation of the run.</summary>
    /// <param name="context">Durable's orchestration context; its input is a <see cref="RunOrchestrationInput"/> in <see cref="RunOrchestrationJson"/>'s contract.</param>
    /// <returns>The <see cref="RunOrchestrationResult"/> in the same contract.</returns>
    [Function(Name)]
    public static async Task<JsonElement> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        // The input is read here rather than bound by the worker, so Loom's contract, not the worker's serializer, reads it.
        var input = RunOrchestrationJson.FromPayload<RunOrchestrationInput>(context.GetInput<JsonElement>());
        var result = await DurableRunOrchestrator.RunAsync(new DurableRunOrchestrationContext(context), input);
        return RunOrchestrationJson.ToPayload(result);
    }
}
