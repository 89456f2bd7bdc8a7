using System.Text;
using Loom.Core.Api;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Stores;
using Loom.Core.Templating;
using Microsoft.Extensions.Logging;

namespace Loom.Server.Engine;

/// <summary>Performs one task attempt: builds the request, calls the backend within the concurrency limit, records the attempt.</summary>
internal sealed partial class TaskRunner(
    HttpTaskExecutor executor,
    IAttemptStore attempts,
    CallbackTokens callbackTokens,
    ISecretProvider secrets,
    TimeProvider clock,
    RunEngineOptions options,
    ILogger<TaskRunner> logger)
{
    private readonly SemaphoreSlim _slots = new(options.MaxConcurrentCalls);

    /// <summary>Runs attempt <paramref name="command"/> and returns its outcome; cancellation means the process is stopping or the attempt was aborted.</summary>
    public async Task<AttemptOutcome> RunAsync(WorkflowDefinition workflow, RunState state, InvokeTask command, CancellationToken cancellationToken)
    {
        var task = workflow.Tasks.First(t => t.Id == command.TaskId);
        var callbackUrl = task.Completion == CompletionMode.Callback
            ? $"{options.PublicBaseUrl.TrimEnd('/')}/api/callbacks/{callbackTokens.Create(new CallbackTarget(state.RunId, task.Id, command.Attempt))}"
            : null;
        var invocation = new TaskInvocation(state.RunId, state.WorkflowId, task.Id, command.Attempt, state.ScheduledAt, state.Params,
            RunStateMachine.TaskInputs(workflow, state, task.Id), callbackUrl);
        var scope = new TemplateScope
        {
            Params = state.Params,
            RunId = state.RunId,
            WorkflowId = state.WorkflowId,
            ScheduledAt = state.ScheduledAt,
            Outputs = RunStateMachine.AllOutputs(state),
            Secrets = secrets,
        };
        var signingKey = workflow.SigningSecret is { } name && secrets.GetSecret(name) is { } secret ? Encoding.UTF8.GetBytes(secret) : null;
        var startedAt = clock.GetUtcNow();
        var build = HttpTaskRequestFactory.Create(task, invocation, scope, signingKey);

        AttemptOutcome outcome;
        string summary = $"{task.Method} {task.Url}";
        if (build.Request is { } request)
        {
            summary = request.Summary;
            await _slots.WaitAsync(cancellationToken);
            try
            {
                LogCalling(logger, state.RunId, task.Id, command.Attempt);
                outcome = await executor.ExecuteAsync(request, task.Timeout, cancellationToken);
            }
            finally
            {
                _slots.Release();
            }
        }
        else
        {
            outcome = build.Failure!;
        }

        await attempts.PutAsync(new AttemptRecord
        {
            RunId = state.RunId,
            TaskId = task.Id,
            Attempt = command.Attempt,
            StartedAt = startedAt,
            Duration = outcome.Duration,
            Outcome = OutcomeName(outcome),
            StatusCode = outcome.StatusCode,
            RequestSummary = summary,
            Error = outcome.Kind == OutcomeKind.Failed ? outcome.Message : null,
            Output = outcome.Output?.ToJsonString(),
            OutputTruncated = outcome.OutputTruncated,
        }, CancellationToken.None);
        LogOutcome(logger, state.RunId, task.Id, command.Attempt, OutcomeName(outcome), outcome.StatusCode);
        return outcome;
    }

    private static string OutcomeName(AttemptOutcome outcome) => outcome.Kind switch
    {
        OutcomeKind.Succeeded => "succeeded",
        OutcomeKind.Accepted => "accepted",
        _ => outcome.Failure switch
        {
            FailureClass.Timeout => "timeout",
            FailureClass.Refused => "refused",
            FailureClass.Network => "network",
            FailureClass.Invalid => "invalid",
            _ => "failed",
        },
    };

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Calling task {RunId}/{TaskId} attempt {Attempt}")]
    private static partial void LogCalling(ILogger logger, string runId, string taskId, int attempt);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Task {RunId}/{TaskId} attempt {Attempt}: {Outcome} ({StatusCode})")]
    private static partial void LogOutcome(ILogger logger, string runId, string taskId, int attempt, string outcome, int? statusCode);
}
