using System.Text.Json;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
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
/// <para>Durable cannot recall an activity, and a run's orchestration completes only once every call it sent has returned.
/// So while a call is in flight, the activity looks at the run's record every <see cref="RunCheckInterval"/>: once the run
/// is final (cancelled, failed fast, timed out), no outcome of the call can matter, and the activity stops waiting for it.</para>
/// </remarks>
public sealed class InvokeTaskActivity(TaskAttemptRunner runner, IRunStore runs, TimeProvider clock, ILogger<InvokeTaskActivity> logger)
{
    /// <summary>How often a call in flight checks whether its run has ended (only calls that last longer read the run at all).</summary>
    public static readonly TimeSpan RunCheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>Builds, signs and sends the request, classifies the response; every failure is an outcome, never an exception.</summary>
    /// <param name="payload">The <see cref="InvokeTaskInput"/> (in <see cref="RunOrchestrationJson"/>'s contract): the attempt, with everything needed to build its request.</param>
    /// <param name="cancellationToken">Cancelled when the host shuts down.</param>
    /// <returns>The <see cref="InvokeTaskResult"/> (outcome and attempt row) in the same contract.</returns>
    [Function(DurableRunOrchestrator.InvokeTaskActivity)]
    public async Task<JsonElement> RunAsync([ActivityTrigger] JsonElement payload, CancellationToken cancellationToken)
    {
        var input = RunOrchestrationJson.FromPayload<InvokeTaskInput>(payload);
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var watching = new CancellationTokenSource();
        var watch = CancelWhenRunEndsAsync(input.RunId, call, watching.Token);
        try
        {
            var (outcome, record) = await runner.AttemptAsync(input, call.Token);
            Log.AttemptFinished(logger, input.RunId, input.TaskId, input.Attempt, record.Outcome, outcome.StatusCode);
            return RunOrchestrationJson.ToPayload(new InvokeTaskResult(outcome, record));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Log.Abandoned(logger, input.RunId, input.TaskId, input.Attempt);
            return RunOrchestrationJson.ToPayload(new InvokeTaskResult(AttemptOutcome.Fail(FailureClass.Network, "Abandoned: the run ended while the call was in flight."), null));
        }
        finally
        {
            await watching.CancelAsync();
            await watch;
        }
    }

    private async Task CancelWhenRunEndsAsync(string runId, CancellationTokenSource call, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(RunCheckInterval, clock, stop);
                var stored = await runs.GetAsync(runId, stop);
                if (RunStatuses.IsFinal(stored?.Status))
                {
                    await call.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The call returned first.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Storage trouble only means the call is waited for to its end, as without this check.
            Log.RunCheckFailed(logger, runId, ex);
        }
    }
}
