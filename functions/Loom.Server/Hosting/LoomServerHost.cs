using Loom.Core.Api;
using Loom.Server.Apis;
using Microsoft.Extensions.Configuration.Memory;

namespace Loom.Server.Hosting;

/// <summary>Builds the server application; Program.cs and the end-to-end tests use the same path.</summary>
public static class LoomServerHost
{
    /// <summary>Creates the configured, mapped application (not started).</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        // Defaults below every other source (appsettings, environment, command line override them): ASP.NET's two
        // lines per HTTP request would otherwise cost more than the engine's own work at a few hundred tasks a second.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
                // ASP.NET's own default is localhost:5000; Loom's is the address the CLI calls when given none.
                ["urls"] = LocalAddress.Url,
            },
        });
        configure?.Invoke(builder);
        builder.AddLoomServer();
        builder.AddLoomTelemetry();
        var app = builder.Build();
        app.MapLoomApi();
        app.MapLoomMetrics();
        app.MapLoomDashboard();
        return app;
    }
}
