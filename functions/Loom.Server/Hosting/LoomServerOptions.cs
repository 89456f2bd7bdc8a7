namespace Loom.Server.Hosting;

/// <summary>Settings of the self-hosted server, bound from the <c>Loom</c> configuration section (environment: <c>Loom__Name</c>).</summary>
public sealed class LoomServerOptions
{
    /// <summary>Azure Storage connection string; <c>UseDevelopmentStorage=true</c> for Azurite on its default ports.</summary>
    public string StorageConnectionString { get; set; } = "UseDevelopmentStorage=true";

    /// <summary>Prefix of every table Loom creates (lets several Loom installations share an account).</summary>
    public string TablePrefix { get; set; } = "loom";

    /// <summary>API keys with roles: reader, operator, admin.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>Secret used to sign callback tokens (at least 16 characters). Generated per process when empty, which breaks callbacks across restarts: set it.</summary>
    public string CallbackSigningKey { get; set; } = "";

    /// <summary>Base URL backends use to reach this server's callback endpoint.</summary>
    public string PublicBaseUrl { get; set; } = Loom.Core.Api.LocalAddress.Url;

    /// <summary>Allow task URLs on loopback addresses (local development).</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Allow task URLs on private networks (10/8, 172.16/12, 192.168/16, fc00::/7).</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>HTTP task calls in flight per process.</summary>
    public int MaxConcurrentCalls { get; set; } = 256;

    /// <summary>Largest API request body in bytes.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

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

    /// <summary>Values for <c>${{ secrets.NAME }}</c> and signing secrets.</summary>
    public Dictionary<string, string> Secrets { get; set; } = [];

    /// <summary>Limits of the event streams (<c>GET /api/runs/{runId}/stream</c>): streams per key, poll interval, keep-alive, longest stream.</summary>
    public Loom.Core.Api.Streaming.StreamOptions Streams { get; set; } = new();

    /// <summary>Switches of the admin-only diagnostics route (<c>GET /api/diagnostics</c>).</summary>
    public DiagnosticsOptions Diagnostics { get; set; } = new();
}

/// <summary>What the diagnostics route measures (<c>Loom:Diagnostics</c>).</summary>
public sealed class DiagnosticsOptions
{
    /// <summary>Count every request this process sends to storage (a policy in the storage pipeline); off by default.</summary>
    public bool CountStorageRequests { get; set; }
}

/// <summary>One configured API key.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The key.</summary>
    public string Key { get; set; } = "";

    /// <summary>reader, operator or admin.</summary>
    public string Role { get; set; } = "reader";

    /// <summary>A label for logs.</summary>
    public string Name { get; set; } = "";
}
