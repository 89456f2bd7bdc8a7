using Loom.Core.Retention;

namespace Loom.Hosting;

/// <summary>
/// Settings both hosts read from the <c>Loom</c> configuration section (environment or app settings: <c>Loom__Name</c>);
/// each host binds its own settings from the same section (<c>LoomServerOptions</c>, <c>LoomFunctionsOptions</c>).
/// </summary>
public sealed class LoomOptions
{
    /// <summary>The configuration section every Loom setting lives in.</summary>
    public const string Section = "Loom";

    /// <summary>
    /// Azure Storage connection string: <c>UseDevelopmentStorage=true</c>, an account key, a shared access signature or explicit
    /// endpoints. When neither it nor <see cref="TableServiceUri"/> is set, the host's default applies (<see cref="LoomHostProfile"/>).
    /// </summary>
    public string StorageConnectionString { get; set; } = "";

    /// <summary>Table service endpoint reached with the managed identity (Azure); used when no connection string is set.</summary>
    public string TableServiceUri { get; set; } = "";

    /// <summary>Client id of the user-assigned managed identity; empty for the system-assigned one.</summary>
    public string ManagedIdentityClientId { get; set; } = "";

    /// <summary>Prefix of every table Loom creates (lets several installations share an account).</summary>
    public string TablePrefix { get; set; } = "loom";

    /// <summary>API keys with roles: reader, operator, admin.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>Secret that signs callback tokens (at least 16 characters); keep it stable across restarts and deployments, or callbacks in flight are refused.</summary>
    public string CallbackSigningKey { get; set; } = "";

    /// <summary>Base URL backends use to reach the callback endpoint; empty means the host's default (<see cref="LoomHostProfile"/>).</summary>
    public string PublicBaseUrl { get; set; } = "";

    /// <summary>Allow task URLs on loopback addresses (local development).</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Allow task URLs on private networks (10/8, 172.16/12, 192.168/16, fc00::/7).</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Largest API request body in bytes.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Values for <c>${{ secrets.NAME }}</c> and signing secrets (<c>Loom__Secrets__NAME</c>).</summary>
    public Dictionary<string, string> Secrets { get; set; } = [];

    /// <summary>Host defaults of notifications (<c>Loom:Notify</c>).</summary>
    public NotifyOptions Notify { get; set; } = new();

    /// <summary>Days a finished run is kept, with its attempts, events and dead letters; 0 keeps runs forever. A workflow's <c>retentionDays:</c> overrides it.</summary>
    public int RetentionDays { get; set; } = RetentionPolicy.DefaultDays;

    /// <summary>
    /// Queue service endpoint of queue triggers reached with the managed identity; empty means the table endpoint's account
    /// (<c>.table.</c> read as <c>.queue.</c>). Not used when a connection string is set.
    /// </summary>
    public string QueueServiceUri { get; set; } = "";
}
