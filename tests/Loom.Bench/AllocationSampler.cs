using System.Diagnostics.Tracing;
using System.Text.Json.Nodes;

namespace Loom.Bench;

/// <summary>
/// Where this process's allocations go, by type: the runtime's allocation ticks (one event per ~100 KB allocated, naming the
/// type of the object that crossed the mark), summed by type while sampling is on. A statistical picture without a profiler.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int GcKeyword = 0x1;
    private readonly Dictionary<string, long> _bytesByType = new(StringComparer.Ordinal);
    private volatile bool _sampling;

    /// <summary>Starts counting ticks (events before this are dropped).</summary>
    public void Start() => _sampling = true;

    /// <summary>Stops counting.</summary>
    public void Stop() => _sampling = false;

    /// <summary>The <paramref name="count"/> types with the most sampled bytes, each with its share of all sampled bytes.</summary>
    public JsonObject Top(int count)
    {
        lock (_bytesByType)
        {
            var total = Math.Max(1, _bytesByType.Values.Sum());
            var top = new JsonObject();
            foreach (var (type, bytes) in _bytesByType.OrderByDescending(p => p.Value).Take(count))
            {
                top[type] = Math.Round(100.0 * bytes / total, 1);
            }

            return top;
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        // GCAllocationTick_V4 and later: AllocationAmount64 and TypeName among the payload.
        if (!_sampling || eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.PayloadNames is null)
        {
            return;
        }

        var amountAt = eventData.PayloadNames.IndexOf("AllocationAmount64");
        var typeAt = eventData.PayloadNames.IndexOf("TypeName");
        if (amountAt < 0 || typeAt < 0 || eventData.Payload is null)
        {
            return;
        }

        var amount = Convert.ToInt64(eventData.Payload[amountAt], System.Globalization.CultureInfo.InvariantCulture);
        var type = eventData.Payload[typeAt] as string ?? "?";
        lock (_bytesByType)
        {
            _bytesByType[type] = _bytesByType.GetValueOrDefault(type) + amount;
        }
    }
}
