using System.Collections;
using System.Diagnostics;
using Loom.Core.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Loom.Testing;

/// <summary>
/// Loom's spans collected in memory through OpenTelemetry's in-memory exporter, for the whole test process (an activity
/// listener is process-wide): tests pick their own spans by trace id.
/// </summary>
public static class SpanCollector
{
    private static readonly Collected Spans = new();
    private static readonly Lazy<TracerProvider> Provider = new(() =>
        Sdk.CreateTracerProviderBuilder().AddSource(LoomTelemetry.Name).AddInMemoryExporter(Spans).Build()!);

    /// <summary>Starts collecting (once per process); call it before the spans of interest are made.</summary>
    public static void Start() => _ = Provider.Value;

    /// <summary>The spans of one trace collected so far.</summary>
    public static IReadOnlyList<Activity> InTrace(string traceId) => Spans.Snapshot().Where(a => a.TraceId.ToHexString() == traceId).ToList();

    /// <summary>Waits until <paramref name="done"/> holds for the trace's spans (spans of a run are recorded as it commits), or the timeout.</summary>
    public static async Task<IReadOnlyList<Activity>> WaitForAsync(string traceId, Func<IReadOnlyList<Activity>, bool> done, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var spans = InTrace(traceId);
            if (done(spans) || DateTime.UtcNow > until) return spans;
            await Task.Delay(50);
        }
    }

    /// <summary>A list the exporter may add to while tests read it.</summary>
    private sealed class Collected : ICollection<Activity>
    {
        private readonly List<Activity> _items = [];

        public int Count
        {
            get
            {
                lock (_items) return _items.Count;
            }
        }

        public bool IsReadOnly => false;

        public Activity[] Snapshot()
        {
            lock (_items) return [.. _items];
        }

        public void Add(Activity item)
        {
            lock (_items) _items.Add(item);
        }

        public void Clear()
        {
            lock (_items) _items.Clear();
        }

        public bool Contains(Activity item)
        {
            lock (_items) return _items.Contains(item);
        }

        public void CopyTo(Activity[] array, int arrayIndex)
        {
            lock (_items) _items.CopyTo(array, arrayIndex);
        }

        public bool Remove(Activity item)
        {
            lock (_items) return _items.Remove(item);
        }

        public IEnumerator<Activity> GetEnumerator() => ((IEnumerable<Activity>)Snapshot()).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
