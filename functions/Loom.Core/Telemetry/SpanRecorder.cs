using System.Diagnostics;
using System.Reflection;

namespace Loom.Core.Telemetry;

/// <summary>
/// Records a span after the fact, with explicit start and end times and a span id chosen in advance: a run's or a task's span
/// outlives any process that could hold it open, and its children (attempts, a backend's spans) name it as their parent before
/// it is recorded.
/// </summary>
/// <remarks>
/// <see cref="Activity"/> has no public way to take a given span id, so it is set on the activity's private fields, as the
/// Durable Task Framework does for its orchestration spans. Should a runtime rename those fields, the span is still recorded,
/// under a random id (<see cref="CanSetIds"/> turns false, and a unit test fails).
/// </remarks>
internal static class SpanRecorder
{
    private static readonly FieldInfo? TraceIdField = typeof(Activity).GetField("_traceId", BindingFlags.Instance | BindingFlags.NonPublic);
    private static readonly FieldInfo? SpanIdField = typeof(Activity).GetField("_spanId", BindingFlags.Instance | BindingFlags.NonPublic);
    private static readonly FieldInfo? IdField = typeof(Activity).GetField("_id", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>True when this runtime's <see cref="Activity"/> lets spans take chosen ids.</summary>
    public static bool CanSetIds =>
        TraceIdField?.FieldType == typeof(string) && SpanIdField?.FieldType == typeof(string) && IdField?.FieldType == typeof(string);

    /// <summary>Records one span; nothing happens when no listener wants it.</summary>
    public static void Record(string name, ActivityKind kind, ActivityContext parent, string traceId, string spanId, DateTimeOffset start, DateTimeOffset end,
        ActivityTagsCollection tags, ActivityStatusCode status, string? description)
    {
        var previous = Activity.Current;
        // A span recorded after the fact belongs to its run's trace, not to whatever operation happens to record it.
        Activity.Current = null;
        try
        {
            var span = LoomTelemetry.Source.CreateActivity(name, kind, parent, tags);
            if (span is null) return;
            span.SetStartTime(start.UtcDateTime);
            span.Start();
            if (CanSetIds)
            {
                TraceIdField!.SetValue(span, traceId);
                SpanIdField!.SetValue(span, spanId);
                IdField!.SetValue(span, $"00-{traceId}-{spanId}-{(span.Recorded ? "01" : "00")}");
            }
            span.SetStatus(status, description);
            span.SetEndTime((end < start ? start : end).UtcDateTime);
            span.Stop();
        }
        finally
        {
            Activity.Current = previous;
        }
    }
}
