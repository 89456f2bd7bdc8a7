namespace Loom.Functions.Hosting;

/// <summary>Settings of the Function App, bound from the <c>Loom</c> section (app settings <c>Loom__Name</c>), named like the server's.</summary>
public sealed class LoomFunctionsOptions
{
    /// <summary>Connection string of Loom's tables (local development, e.g. <c>UseDevelopmentStorage=true</c>); empty in Azure, where the identity settings below apply.</summary>
    public string StorageConnectionString { get; set; } = "";

    /// <summary>Table service endpoint reached with the managed identity (Azure).</summary>
    public string TableServiceUri { get; set; } = "";

    /// <summary>Client id of the user-assigned managed identity; empty for the system-assigned one.</summary>
    public string ManagedIdentityClientId { get; set; } = "";

    /// <summary>Prefix of every table Loom creates.</summary>
    public string TablePrefix { get; set; } = "loom";

    /// <summary>Secret that signs callback tokens (at least 16 characters); keep it stable across deployments or callbacks in flight are refused.</summary>
    public string CallbackSigningKey { get; set; } = "";

    /// <summary>Base URL backends use for callbacks; empty means <c>https://$WEBSITE_HOSTNAME</c>.</summary>
    public string PublicBaseUrl { get; set; } = "";

    /// <summary>Role of a request that passed the host's function-key check with a key not listed in <see cref="ApiKeys"/>.</summary>
    public string FunctionKeyRole { get; set; } = "admin";

    /// <summary>Function keys with a narrower role (create the key in the Function App, list it here with reader or operator).</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>Allow task URLs on loopback addresses (local development only).</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Allow task URLs on private networks (VNet-integrated backends).</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Largest API request body in bytes.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Events one orchestration generation applies before it continues as new.</summary>
    public int ContinueAsNewAfter { get; set; } = 100;

    /// <summary>Folder of the dashboard's build; empty means the <c>dashboard</c> folder the deployment package carries.</summary>
    public string DashboardPath { get; set; } = "";

    /// <summary>Values for <c>${{ secrets.NAME }}</c> and signing secrets (<c>Loom__Secrets__NAME</c>, ideally Key Vault references).</summary>
    public Dictionary<string, string> Secrets { get; set; } = [];
}

/// <summary>A function key with a Loom role.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The key value (the same as the function key created in the app).</summary>
    public string Key { get; set; } = "";

    /// <summary>reader, operator or admin.</summary>
    public string Role { get; set; } = "reader";

    /// <summary>A label for logs.</summary>
    public string Name { get; set; } = "";
}
