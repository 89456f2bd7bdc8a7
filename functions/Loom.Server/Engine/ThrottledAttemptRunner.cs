using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
using Loom.Core.Stores;
using Microsoft.Extensions.Logging;

namespace Loom.Server.Engine;

/// <summary>Performs one task attempt through Core's attempt runner, within this process's limit of calls in flight.</summary>
internal sealed class ThrottledAttemptRunner(TaskAttemptRunner runner, RunEngineOptions options, ILogger<ThrottledAttemptRunner> logger)
{
    private readonly SemaphoreSlim _slots = new(options.MaxConcurrentCalls);

    /// <summary>
    /// Runs attempt <paramref name="command"/> and returns its outcome with the attempt's row, not yet stored (the engine writes it with
    /// the commit of the outcome); cancellation means the process is stopping or the attempt was aborted.
    /// </summary>
    public async Task<(AttemptOutcome Outcome, AttemptRecord Record)> RunAsync(WorkflowDefinition workflow, RunState state, InvokeTask command, CancellationToken cancellationToken)
    {
        var input = InvokeTaskInputs.Build(workflow, state, command);
        await _slots.WaitAsync(cancellationToken);
        try
        {
            var (outcome, record) = await runner.AttemptAsync(input, cancellationToken);
            if (outcome.Kind is OutcomeKind.Succeeded or OutcomeKind.Accepted)
            {
                Log.Outcome(logger, state.RunId, command.TaskId, command.Attempt, record.Outcome, outcome.StatusCode);
            }
            else
            {
                Log.FailedOutcome(logger, state.RunId, command.TaskId, command.Attempt, record.Outcome, outcome.StatusCode, record.Error);
            }
            return (outcome, record);
        }
        finally
        {
            _slots.Release();
        }
    }
}
