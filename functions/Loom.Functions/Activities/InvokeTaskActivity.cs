using System.Text.Json;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
using Loom.Core.Statistics;
using Loom.Core.Stores;
using Loom.Functions.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Loom.Functions.Activities;

/// <summary>The <c>InvokeTask</c> activity: one HTTP attempt through Core's attempt runner.</summary>
/// <remarks>
/// <para>The attempt's row is returned with its outcome, and the orchestration stores it with its next save (one write for many
/// rows, instead of one per attempt); from the moment the result is in the orchestration's history, a crash cannot lose it.
/// Durable runs an activity at least once: a re-delivery sends the same attempt with the same <c>Idempotency-Key</c>, and its row
/// replaces the same attempt row.</para>
/// <para>The attempt that may end its run carries a <see cref="FinishOffer"/>: when its outcome ends the run, the activity stores
/// the final state itself (<see cref="RunFinisher"/>), and the orchestration completes without a <c>SaveRun</c> after it. A
/// failure to store is not the attempt's failure: the outcome is returned all the same and the orchestration saves as usual.</para>
/// <para>Durable cannot recall an activity, and a run's orchestration completes only once every call it sent has returned.
/// So the attempt runs through <see cref="TaskAttemptRunner.AttemptWhileRunLivesAsync"/>, which stops waiting for a call once
/// its run is final (Core's rule).</para>
/// </remarks>
public sealed class InvokeTaskActivity(TaskAttemptRunner runner, IRunStore runs, WorkflowCatalog workflows, IDeadLetterStore deadLetters, RunStatsRecorder stats,
    TimeProvider clock, ILogger<InvokeTaskActivity> logger)
{
    /// <summary>Builds, signs and sends the request, classifies the response; every failure is an outcome, never an exception.</summary>
    /// <param name="payload">The <see cref="InvokeTaskInput"/> (in <see cref="RunOrchestrationJson"/>'s contract): the attempt, with everything needed to build its request.</param>
    /// <param name="cancellationToken">Cancelled when the host shuts down.</param>
    /// <returns>The <see cref="InvokeTaskResult"/> (outcome and attempt row) in the same contract.</returns>
    [Function(DurableRunOrchestrator.InvokeTaskActivity)]
    public async Task<RunPayload<InvokeTaskResult>> RunAsync([ActivityTrigger] RunPayload<InvokeTaskInput> payload, CancellationToken cancellationToken)
    {
        var input = payload.Value;
        var (outcome, record) = await runner.AttemptWhileRunLivesAsync(input, runs, ex => Log.RunCheckFailed(logger, input.RunId, ex), cancellationToken);
        if (record is null) Log.Abandoned(logger, input.RunId, input.TaskId, input.Attempt);
        else Log.AttemptFinished(logger, input.RunId, input.TaskId, input.Attempt, record.Outcome, outcome.StatusCode);
        RunFinished? finished = null;
        try
        {
            finished = await RunFinisher.FinishAsync(workflows, runs, deadLetters, stats, input, outcome, record, clock.GetUtcNow(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.FinishNotStored(logger, input.RunId, ex);
        }

        return new RunPayload<InvokeTaskResult>(new InvokeTaskResult(outcome, record, finished));
    }
}
