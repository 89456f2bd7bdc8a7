using Loom.Server.Apis;

namespace Loom.Server.Hosting;

/// <summary>Builds the server application; Program.cs and the end-to-end tests use the same path.</summary>
public static class LoomServerHost
{
    /// <summary>Creates the configured, mapped application (not started).</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddLoomServer();
        var app = builder.Build();
        app.MapLoomApi();
        app.MapLoomDashboard();
        return app;
    }
}
