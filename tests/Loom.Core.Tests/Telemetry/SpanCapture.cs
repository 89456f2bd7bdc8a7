using System.Collections.Concurrent;
using System.Diagnostics;
using Loom.Core.Telemetry;

namespace Loom.Core.Tests.Telemetry;

/// <summary>Loom's spans stopped while it lives (a listener is process-wide: tests pick theirs by trace id).</summary>
internal sealed class SpanCapture : IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public SpanCapture()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == LoomTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<Activity> InTrace(string traceId) => [.. _stopped.Where(a => a.TraceId.ToHexString() == traceId)];

    public void Dispose() => _listener.Dispose();
}
