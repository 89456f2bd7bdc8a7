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
    /// <param name="context">Durable's orchestration context.</param>
    /// <param name="input">
    /// The orchestration's input, bound by the worker (its one non-binding parameter) and read by the payload in Loom's contract,
    /// not the worker's: one pass from the history's text to the record at every episode.
    /// </param>
    /// <returns>The <see cref="RunOrchestrationResult"/> in the same contract.</returns>
    [Function(Name)]
    public static async Task<JsonElement> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context, RunPayload<RunOrchestrationInput> input)
    {
        var result = await DurableRunOrchestrator.RunAsync(new DurableRunOrchestrationContext(context), input.Value);
        return RunOrchestrationJson.ToPayload(result);
    }
}
