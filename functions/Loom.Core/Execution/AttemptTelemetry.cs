using System.Diagnostics;
using Loom.Core.Engine;
using Loom.Core.Telemetry;

namespace Loom.Core.Execution;

/// <summary>
/// The telemetry of one task attempt, the same on both hosts: its span (a child of the task's span in the run's trace), the
/// <c>traceparent</c> its request carries, the outstanding-calls gauge while it runs, and the attempt counters when it ends.
/// </summary>
public sealed class AttemptTelemetry : IDisposable
{
    private readonly Activity? _span;
    private readonly Activity? _previous;
    private readonly TagList _workflow;
    private bool _ended;

    private AttemptTelemetry(InvokeTaskInput input)
    {
        _workflow = new TagList { { LoomTelemetry.WorkflowTag, input.WorkflowId } };
        LoomTelemetry.TasksOutstanding.Add(1, _workflow);
        if (input.Trace is not { IsValid: true } trace)
        {
            return; // A run started before Loom recorded traces.
        }

        _previous = Activity.Current;
        _span = LoomTelemetry.Source.StartActivity($"attempt {input.TaskId}", ActivityKind.Client, trace.TaskContext(input.TaskId, input.AttemptBase), Tags(input));
        // Without a listener there is no span to name: the call still carries the run's trace (as not sampled), parented on the task.
        TraceParent = _span is not null
            ? $"00-{_span.TraceId.ToHexString()}-{_span.SpanId.ToHexString()}-{(_span.Recorded ? "01" : "00")}"
            : $"00-{trace.TraceId}-{trace.TaskSpanId(input.TaskId, input.AttemptBase)}-00";
        TraceState = _span?.TraceStateString;
    }

    /// <summary>The W3C <c>traceparent</c> the attempt's request carries; null for a run without a trace context.</summary>
    public string? TraceParent { get; }

    /// <summary>The W3C <c>tracestate</c> to send with it, when there is one.</summary>
    public string? TraceState { get; }

    /// <summary>Starts the attempt's telemetry; dispose it when the attempt ends (after <see cref="End"/>, or without it when cancelled).</summary>
    /// <param name="input">The attempt.</param>
    public static AttemptTelemetry Start(InvokeTaskInput input) => new(input);

    /// <summary>Records how the attempt ended: the attempt counters and duration, and the span's status and attributes.</summary>
    /// <param name="outcome">The attempt's outcome.</param>
    public void End(AttemptOutcome outcome)
    {
        var name = AttemptRecords.OutcomeName(outcome);
        var tags = _workflow;
        tags.Add("outcome", name);
        LoomTelemetry.AttemptDuration.Record(outcome.Duration.TotalSeconds, tags);
        tags.Add("status_class", LoomTelemetry.StatusClass(outcome.StatusCode));
        LoomTelemetry.Attempts.Add(1, tags);
        if (_span is not null)
        {
            _span.SetTag("loom.outcome", name);
            if (outcome.StatusCode is { } code) _span.SetTag("http.response.status_code", code);
            _span.SetStatus(outcome.Kind == OutcomeKind.Failed ? ActivityStatusCode.Error : ActivityStatusCode.Ok, outcome.Kind == OutcomeKind.Failed ? name : null);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ended) return;
        _ended = true;
        LoomTelemetry.TasksOutstanding.Add(-1, _workflow);
        if (_span is not null)
        {
            _span.Stop();
            // The span's parent is remote (the task's), so stopping it would leave no current activity: give back the caller's.
            Activity.Current = _previous;
        }
    }

    private static ActivityTagsCollection Tags(InvokeTaskInput input) => new()
    {
        ["loom.workflow.id"] = input.WorkflowId,
        ["loom.run.id"] = input.RunId,
        ["loom.task.id"] = input.TaskId,
        ["loom.attempt"] = input.Attempt,
        ["http.request.method"] = input.Task.Method,
    };
}
