using System.Text;
using Loom.Core.Circuits;
using Loom.Core.Definitions;
using Loom.Core.Engine;
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
/// <param name="executor">Sends the request.</param>
/// <param name="secrets">The host's secrets, for templates and signing.</param>
/// <param name="callbackUrls">Makes a callback task's URL.</param>
/// <param name="clock">The clock.</param>
/// <param name="circuits">The circuits of target origins; null on a host without them (every call is sent).</param>
public sealed class TaskAttemptRunner(HttpTaskExecutor executor, ISecretProvider secrets, CallbackUrls callbackUrls, TimeProvider clock, CircuitBreakers? circuits = null)
{
    /// <summary>How often a call in flight checks whether its run has ended (see <see cref="AttemptWhileRunLivesAsync"/>).</summary>
    public static readonly TimeSpan RunCheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// <see cref="AttemptAsync"/> for a caller that cannot cancel a call when its run ends (the Durable activity): once the run's
    /// stored status is final (cancelled, failed fast, timed out), no outcome of the call can matter, so the call is abandoned.
    /// Only calls that last longer than <see cref="RunCheckInterval"/> read the run at all, once per interval. The row is null
    /// for an abandoned call. A failed read only means the call is waited for to its end (<paramref name="checkFailed"/> hears it).
    /// </summary>
    public async Task<(AttemptOutcome Outcome, AttemptRecord? Record)> AttemptWhileRunLivesAsync(InvokeTaskInput input, IRunStore runs,
        Action<Exception> checkFailed, CancellationToken cancellationToken)
    {
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var watching = new CancellationTokenSource();
        var watch = CancelWhenRunEndsAsync(input.RunId, runs, call, checkFailed, watching.Token);
        try
        {
            return await AttemptAsync(input, call.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (AttemptOutcome.Fail(FailureClass.Network, "Abandoned: the run ended while the call was in flight."), null);
        }
        finally
        {
            await watching.CancelAsync();
            await watch;
        }
    }

    private async Task CancelWhenRunEndsAsync(string runId, IRunStore runs, CancellationTokenSource call, Action<Exception> checkFailed, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                // Most calls return within the first interval: stopping the wait then is the usual end, not worth an exception.
                await Task.Delay(RunCheckInterval, clock, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (stop.IsCancellationRequested) return;
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
            checkFailed(ex);
        }
    }

    /// <summary>
    /// Runs the attempt and returns its outcome with the attempt's row without storing it, for a caller that stores the row in the
    /// same write that commits the outcome (the server's engine).
    /// </summary>
    public async Task<(AttemptOutcome Outcome, AttemptRecord Record)> AttemptAsync(InvokeTaskInput input, CancellationToken cancellationToken)
    {
        using var telemetry = AttemptTelemetry.Start(input);
        var callbackUrl = input.Task.Completion == CompletionMode.Callback ? callbackUrls.For(input.RunId, input.TaskId, input.Attempt) : null;
        var invocation = new TaskInvocation(input.RunId, input.WorkflowId, input.TaskId, input.Attempt, input.ScheduledAt, input.Params, input.Inputs, callbackUrl)
        {
            Item = input.Item,
            Index = input.Index,
        };
        var scope = new TemplateScope
        {
            Params = input.Params,
            RunId = input.RunId,
            WorkflowId = input.WorkflowId,
            ScheduledAt = input.ScheduledAt,
            Outputs = input.Outputs,
            Secrets = secrets,
            Item = input.Item,
            Index = input.Index,
        };
        var startedAt = clock.GetUtcNow();
        var signingSecret = input.SigningSecret is { } name ? secrets.GetSecret(name) : null;
        var build = input.SigningSecret is not null && string.IsNullOrEmpty(signingSecret)
            // A call the backend expects signed must not go out unsigned: fail as a missing ${{ secrets.X }} does.
            ? RequestBuildResult.Invalid($"task '{input.TaskId}': signing secret '{input.SigningSecret}' is not configured on this host, so the call cannot be signed")
            : HttpTaskRequestFactory.Create(input.Task, invocation, scope, signingSecret is null ? null : Encoding.UTF8.GetBytes(signingSecret));
        var summary = build.Request?.Summary ?? $"{input.Task.Method} (request not built)";
        var circuit = build.Request is { } built ? CircuitOf(input.Task, built) : null;
        var probe = false;
        if (circuit is { } c)
        {
            var admission = await c.Breakers.AdmitAsync(c.Origin, c.Policy, input.Task.Timeout, cancellationToken);
            if (admission.Decision == CircuitDecision.Hold)
            {
                var until = admission.HoldUntil ?? clock.GetUtcNow() + CircuitRules.MinHold;
                var held = AttemptOutcome.Held(c.Origin, until, $"circuit for {c.Origin} is open");
                telemetry.End(held);
                return (held, AttemptRecords.From(input, startedAt, summary, held));
            }

            probe = admission.Decision == CircuitDecision.Probe;
        }

        var outcome = build.IsSuccess ? await executor.ExecuteAsync(WithTraceContext(build.Request, telemetry), input.Task.Timeout, cancellationToken) : build.Failure;
        if (circuit is { } reported)
        {
            var (change, retryAt) = await reported.Breakers.ReportAsync(reported.Origin, reported.Policy, outcome, probe, cancellationToken);
            outcome = outcome with { Circuit = change, CircuitOrigin = reported.Origin, HeldUntil = retryAt };
        }
        if (build.Request is { } request)
        {
            // A secret rendered into the URL can come back in an error (a host in a DNS failure, a redirect's Location, a body snippet).
            outcome = outcome with { Message = request.RedactOrNull(outcome.Message) };
        }

        telemetry.End(outcome);
        return (outcome, AttemptRecords.From(input, startedAt, summary, outcome));
    }

    /// <summary>
    /// The circuit an attempt goes through: its task's breaker keyed by the request's origin; null when the task has none, the
    /// host has no circuits, or the origin holds a rendered secret (a circuit's origin is shown at <c>GET /api/circuits</c>).
    /// </summary>
    private (CircuitBreakers Breakers, string Origin, CircuitBreakerPolicy Policy)? CircuitOf(TaskDefinition task, PreparedRequest request)
    {
        if (circuits is null || task.CircuitBreaker is not { } policy) return null;
        var origin = CircuitRules.OriginOf(request.Uri);
        return request.Redact(origin) == origin ? (circuits, origin, policy) : null;
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
