using Loom.Core.Api.Streaming;

namespace Loom.Server.Hosting;

/// <summary>
/// Settings only the self-hosted server has, bound from the <c>Loom</c> configuration section (environment: <c>Loom__Name</c>)
/// beside the ones both hosts share (<see cref="Loom.Hosting.LoomOptions"/>).
/// </summary>
public sealed class LoomServerOptions
{
    /// <summary>HTTP task calls in flight per process.</summary>
    public int MaxConcurrentCalls { get; set; } = 256;

    /// <summary>How often the scheduler evaluates cron schedules.</summary>
    public TimeSpan SchedulerInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Turn the scheduler loop off (e.g. API-only replicas).</summary>
    public bool SchedulerEnabled { get; set; } = true;

    /// <summary>How often this process writes its heartbeat and looks for work orphaned by dead processes.</summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A process whose heartbeat is older than this is dead and its in-flight work is taken over.</summary>
    public TimeSpan ProcessTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Stable name of this process (defaults to machine name and port); a restart with the same name takes over its predecessor's work at once.</summary>
    public string InstanceName { get; set; } = "";

    /// <summary>How often the process checks whether it went quiet after growing its heap, and then gives the memory back; zero turns it off.</summary>
    public TimeSpan MemoryTrimInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Limits of the event streams (<c>GET /api/runs/{runId}/stream</c>): streams per key, poll interval, keep-alive, longest stream.</summary>
    public StreamOptions Streams { get; set; } = new();

    /// <summary>Switches of the admin-only diagnostics route (<c>GET /api/diagnostics</c>).</summary>
    public DiagnosticsOptions Diagnostics { get; set; } = new();
}

/// <summary>What the diagnostics route measures (<c>Loom:Diagnostics</c>).</summary>
public sealed class DiagnosticsOptions
{
    /// <summary>Count every request this process sends to storage (a policy in the storage pipeline); off by default.</summary>
    public bool CountStorageRequests { get; set; }
}
