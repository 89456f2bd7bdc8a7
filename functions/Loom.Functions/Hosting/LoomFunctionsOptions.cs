namespace Loom.Functions.Hosting;

/// <summary>
/// Settings only the Function App has, bound from the <c>Loom</c> section (app settings <c>Loom__Name</c>) beside the ones both
/// hosts share (<see cref="Loom.Hosting.LoomOptions"/>).
/// </summary>
public sealed class LoomFunctionsOptions
{
    /// <summary>Role of a request that passed the host's function-key check with a key not listed in <c>Loom:ApiKeys</c>.</summary>
    public string FunctionKeyRole { get; set; } = "admin";

    /// <summary>Events one orchestration generation applies before it continues as new.</summary>
    public int ContinueAsNewAfter { get; set; } = 100;

    /// <summary>Folder of the dashboard's build; empty means the <c>dashboard</c> folder the deployment package carries.</summary>
    public string DashboardPath { get; set; } = "";
}
