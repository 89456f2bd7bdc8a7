namespace Loom.Hosting;

/// <summary>One configured API key (<c>Loom:ApiKeys:N</c>); on the Function App, a function key with a Loom role.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The key (on the Function App, the same value as the function key created in the app).</summary>
    public string Key { get; set; } = "";

    /// <summary>reader, operator or admin.</summary>
    public string Role { get; set; } = "reader";

    /// <summary>A label for logs.</summary>
    public string Name { get; set; } = "";
}
