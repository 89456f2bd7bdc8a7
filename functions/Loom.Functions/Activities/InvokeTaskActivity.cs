using System.Text.Json;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
using Loom.Functions.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Loom.Functions.Activities;

/// <summary>The <c>InvokeTask</c> activity: one HTTP attempt through Core's attempt runner.</summary>
/// <remarks>Durable runs an activity at least once: a re-delivery sends the same attempt with the same <c>Idempotency-Key</c> and replaces the same attempt row.</remarks>
public sealed class InvokeTaskActivity(TaskAttemptRunner runner, ILogger<InvokeTaskActivity> logger)
{
    /// <summary>Builds, signs and sends the request, classifies the response; every failure is an outcome, never an exception.</summary>
    /// <param name="payload">The <see cref="InvokeTaskInput"/> (in <see cref="RunOrchestrationJson"/>'s contract): the attempt, with everything needed to build its request.</param>
    /// <param name="cancellationToken">Cancelled when the host shuts down.</param>
    /// <returns>The <see cref="AttemptOutcome"/> in the same contract.</returns>
    [Function(RunOrchestrator.InvokeTaskActivity)]
    public async Task<JsonElement> RunAsync([ActivityTrigger] JsonElement payload, CancellationToken cancellationToken)
    {
        var input = RunOrchestrationJson.FromPayload<InvokeTaskInput>(payload);
        var (outcome, record) = await runner.RunAsync(input, cancellationToken);
        FunctionsLog.AttemptFinished(logger, input.RunId, input.TaskId, input.Attempt, record.Outcome, outcome.StatusCode);
        return RunOrchestrationJson.ToPayload(outcome);
    }
}
