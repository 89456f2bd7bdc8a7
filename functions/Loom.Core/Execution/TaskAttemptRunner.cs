using System.Text;
using Loom.Core.Api;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Orchestration;
using Loom.Core.Stores;
using Loom.Core.Telemetry;
using Loom.Core.Templating;

namespace Loom.Core.Execution;

/// <summary>
/// One task attempt, the same in both hosts (the server's engine and the Functions activity): build the request from
/// the attempt's input (templates, envelope, callback URL, signature), send it, classify the answer, record the attempt
/// (or hand the attempt's row back for the caller to store with the outcome's commit).
/// Every failure comes back as an outcome; only the caller's cancellation throws.
/// </summary>
public sealed class TaskAttemptRunner(HttpTaskExecutor executor, IAttemptStore attempts, ISecretProvider secrets, CallbackUrls callbackUrls, TimeProvider clock)
{
    /// <summary>Runs the attempt and returns its outcome together with the attempt row it stored.</summary>
    public async Task<(AttemptOutcome Outcome, AttemptRecord Record)> RunAsync(InvokeTaskInput input, CancellationToken cancellationToken)
    {
        var (outcome, record) = await AttemptAsync(input, cancellationToken);
        // The attempt row is history: write it even if the caller is cancelled now, so the outcome it got is not lost.
        await attempts.PutAsync(record, CancellationToken.None);
        return (outcome, record);
    }

    /// <summary>
    /// Runs the attempt and returns its outcome with the attempt's row without storing it, for a caller that stores the row in the
    /// same write that commits the outcome (the server's engine).
    /// </summary>
    public async Task<(AttemptOutcome Outcome, AttemptRecord Record)> AttemptAsync(InvokeTaskInput input, CancellationToken cancellationToken)
    {
        using var telemetry = AttemptTelemetry.Start(input);
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
        var startedAt = clock.GetUtcNow();
        var signingSecret = input.SigningSecret is { } name ? secrets.GetSecret(name) : null;
        var build = input.SigningSecret is not null && string.IsNullOrEmpty(signingSecret)
            // A call the backend expects signed must not go out unsigned: fail as a missing ${{ secrets.X }} does.
            ? RequestBuildResult.Invalid($"task '{input.TaskId}': signing secret '{input.SigningSecret}' is not configured on this host, so the call cannot be signed")
            : HttpTaskRequestFactory.Create(input.Task, invocation, scope, signingSecret is null ? null : Encoding.UTF8.GetBytes(signingSecret));
        var outcome = build.IsSuccess ? await executor.ExecuteAsync(WithTraceContext(build.Request, telemetry), input.Task.Timeout, cancellationToken) : build.Failure;
        var summary = build.Request?.Summary ?? $"{input.Task.Method} (request not built)";
        if (build.Request is { } request)
        {
            // A secret rendered into the URL can come back in an error (a host in a DNS failure, a redirect's Location, a body snippet).
            outcome = outcome with { Message = request.RedactOrNull(outcome.Message) };
        }

        telemetry.End(outcome);
        return (outcome, AttemptRecords.From(input, startedAt, summary, outcome));
    }

    /// <summary>The request with the attempt's W3C trace context, so the backend's own spans join the run's trace under the attempt.</summary>
    private static PreparedRequest WithTraceContext(PreparedRequest request, AttemptTelemetry telemetry)
    {
        if (telemetry.TraceParent is null) return request;
        var headers = new Dictionary<string, string>(request.Headers, StringComparer.OrdinalIgnoreCase)
        {
            ["traceparent"] = telemetry.TraceParent,
        };
        // Loom's context replaces any the task's own headers named: a stale tracestate must not ride on a new traceparent.
        headers.Remove("tracestate");
        if (telemetry.TraceState is { Length: > 0 } state) headers["tracestate"] = state;
        return request with { Headers = headers };
    }
}
