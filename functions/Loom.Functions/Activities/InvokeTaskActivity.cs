using System.Text;
using Loom.Core.Definitions;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
using Loom.Core.Stores;
using Loom.Core.Templating;
using Loom.Functions.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Loom.Functions.Activities;

/// <summary>The <c>InvokeTask</c> activity: one HTTP attempt through Core's executor, recorded in the attempts table.</summary>
/// <remarks>Durable runs an activity at least once: a re-delivery sends the same attempt with the same <c>Idempotency-Key</c> and replaces the same attempt row.</remarks>
public sealed class InvokeTaskActivity(
    HttpTaskExecutor executor,
    IAttemptStore attempts,
    ISecretProvider secrets,
    CallbackUrls callbackUrls,
    TimeProvider clock,
    ILogger<InvokeTaskActivity> logger)
{
    /// <summary>Builds, signs and sends the request, classifies the response; every failure is an outcome, never an exception.</summary>
    /// <param name="input">The attempt, with everything needed to build its request.</param>
    /// <param name="cancellationToken">Cancelled when the host shuts down.</param>
    [Function(RunOrchestrator.InvokeTaskActivity)]
    public async Task<AttemptOutcome> RunAsync([ActivityTrigger] InvokeTaskInput input, CancellationToken cancellationToken)
    {
        var callbackUrl = input.Task.Completion == CompletionMode.Callback ? callbackUrls.For(input.RunId, input.TaskId, input.Attempt) : null;
        var invocation = new TaskInvocation(input.RunId, input.WorkflowId, input.TaskId, input.Attempt, input.ScheduledAt, input.Params, input.Inputs, callbackUrl);
        var scope = new TemplateScope
        {
            Params = input.Params,
            RunId = input.RunId,
            WorkflowId = input.WorkflowId,
            ScheduledAt = input.ScheduledAt,
            Outputs = input.Outputs,
            Secrets = secrets,
        };
        var signingKey = input.SigningSecret is { } name && secrets.GetSecret(name) is { } secret ? Encoding.UTF8.GetBytes(secret) : null;

        var startedAt = clock.GetUtcNow();
        var build = HttpTaskRequestFactory.Create(input.Task, invocation, scope, signingKey);
        var outcome = build.IsSuccess ? await executor.ExecuteAsync(build.Request, input.Task.Timeout, cancellationToken) : build.Failure;
        var summary = build.Request?.Summary ?? $"{input.Task.Method} {input.Task.Url}";

        var record = AttemptRecords.From(input, startedAt, summary, outcome);
        await attempts.PutAsync(record, CancellationToken.None);
        FunctionsLog.AttemptFinished(logger, input.RunId, input.TaskId, input.Attempt, record.Outcome, outcome.StatusCode);
        return outcome;
    }
}
