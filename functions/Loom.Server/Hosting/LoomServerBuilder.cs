using System.Net;
using Loom.Core.Api;
using Loom.Core.Api.Streaming;
using Loom.Core.Dashboard;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Retention;
using Loom.Core.Scheduling;
using Loom.Core.Stores;
using Loom.Core.Triggers;
using Loom.Hosting;
using Loom.Server.Engine;
using Loom.Storage;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Loom.Server.Hosting;

/// <summary>The server's part of the composition: the shared Loom services plus the self-hosted engine, recovery, the scheduler loop and diagnostics.</summary>
public static class LoomServerBuilder
{
    /// <summary>The server's defaults and additions in the shared composition.</summary>
    internal static LoomHostProfile Profile { get; } = new()
    {
        Name = "server",
        DefaultStorageConnectionString = "UseDevelopmentStorage=true",
        DefaultPublicBaseUrl = LocalAddress.Url,
        // Documented: an unset key signs with a per-process key (callbacks break across restarts); a bad one stops the server.
        RequiresCallbackSigningKey = false,
        RunDriver = sp => sp.GetRequiredService<IRunDriver>(),
        CompleteApi = (sp, api) => api with
        {
            Diagnostics = sp.GetRequiredService<ServerDiagnostics>().Snapshot,
            CommitSignal = sp.GetRequiredService<RunCommitSignal>(),
            Streams = sp.GetRequiredService<LoomServerOptions>().Streams,
        },
    };

    /// <summary>Adds every Loom service of the server, configured from the <c>Loom</c> section.</summary>
    public static WebApplicationBuilder AddLoomServer(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<LoomServerOptions>().Bind(builder.Configuration.GetSection(LoomOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LoomServerOptions>, LoomServerOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<LoomServerOptions>>().Value);
        if (builder.Configuration.GetValue<bool?>("Loom:Diagnostics:CountStorageRequests") ?? false)
        {
            services.AddSingleton<StorageRequestCounter>();
        }

        // The engine's attempt rows ride out storage outages in Core's RunCommitLoop (StorageOutagePolicy), not in a wrapper store.
        services.AddLoomServices(builder.Configuration, Profile);

        services.AddSingleton(sp => new ServerDiagnostics(sp.GetRequiredService<SelfHostedRunDriver>(), sp.GetRequiredService<WorkflowCatalog>(), sp.GetRequiredService<MemoryTrimmer>(), sp.GetService<StorageRequestCounter>()));
        services.AddSingleton<IProcessRegistry>(sp => new TableProcessRegistry(sp.GetRequiredService<LoomStorageAccount>()));
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<LoomServerOptions>();
            var name = o.InstanceName is { Length: > 0 } ? o.InstanceName : $"{Dns.GetHostName()}-{Environment.ProcessId}";
            return new ProcessIdentity(name, sp.GetRequiredService<TimeProvider>().GetUtcNow());
        });
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<LoomServerOptions>();
            return new RunEngineOptions(o.MaxConcurrentCalls, sp.GetRequiredService<LoomOptions>().PublicBaseUrl, o.ProcessTimeout, TimeSpan.FromSeconds(10));
        });
        services.AddSingleton<RunCommitSignal>();
        services.AddSingleton<ThrottledAttemptRunner>();
        services.AddSingleton<SelfHostedRunDriver>();
        services.AddSingleton<IRunDriver>(sp => sp.GetRequiredService<SelfHostedRunDriver>());
        services.AddSingleton(sp => new LoomApi(sp.GetRequiredService<ApiServices>()));

        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<LoomServerOptions>();
            return new RecoveryOptions(o.RecoveryInterval, o.ProcessTimeout, TimeSpan.FromSeconds(10));
        });
        services.AddSingleton(sp => new MemoryTrimOptions(sp.GetRequiredService<LoomServerOptions>().MemoryTrimInterval));
        services.AddSingleton<MemoryTrimmer>();
        services.AddHostedService(sp => sp.GetRequiredService<MemoryTrimmer>());
        services.AddSingleton<RecoveryService>();
        services.AddHostedService(sp => sp.GetRequiredService<RecoveryService>());
        services.AddSingleton(sp => new SchedulerTick(
            sp.GetRequiredService<WorkflowCatalog>(), sp.GetRequiredService<ISchedulerStateStore>(), sp.GetRequiredService<IRunStore>(), sp.GetRequiredService<IRunDriver>()));
        if (builder.Configuration.GetValue<bool?>("Loom:SchedulerEnabled") ?? true)
        {
            services.AddHostedService(sp => new SchedulerService(sp.GetRequiredService<SchedulerTick>(), sp.GetRequiredService<RetentionSweep>(), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<LoomServerOptions>().SchedulerInterval, sp.GetRequiredService<ILogger<SchedulerService>>()));
        }
        if (builder.Configuration.GetValue<bool?>("Loom:QueueTriggersEnabled") ?? true)
        {
            services.AddHostedService(sp => new QueueTriggerService(sp.GetRequiredService<QueueTriggerPump>(), sp.GetRequiredService<IRunDriver>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<QueueTriggerService>>()));
        }
        return builder;
    }

    /// <summary>Serves the dashboard's static files at / when they were built (dashboard/build.sh).</summary>
    public static WebApplication MapLoomDashboard(this WebApplication app)
    {
        var folder = FindDashboard(app.Environment, app.Configuration["Loom:DashboardPath"]);
        if (folder is null)
        {
            app.MapGet("/", () => Results.Text(DashboardRules.NotBuiltMessage("Loom:DashboardPath"), statusCode: StatusCodes.Status404NotFound));
            return app;
        }

        var files = new PhysicalFileProvider(folder);
        var options = new StaticFileOptions { FileProvider = files, OnPrepareResponse = AddDashboardHeaders };
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(options);
        // Routes live in the URL hash, so any other non-file path is a stale or hand-typed link: give it the app.
        app.MapFallbackToFile("index.html", options);
        return app;
    }

    private static void AddDashboardHeaders(StaticFileResponseContext context)
    {
        var headers = context.Context.Response.Headers;
        foreach (var (name, value) in DashboardRules.HeadersFor(context.Context.Request.Path.Value ?? "/")) headers[name] = value;
    }

    /// <summary>
    /// The built dashboard: the configured folder, else the web root (content root/wwwroot, or wwwroot beside the
    /// published binaries), else the project's wwwroot when the server runs from its build output (bin/Release/net10.0).
    /// </summary>
    private static string? FindDashboard(IWebHostEnvironment environment, string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var path = Path.GetFullPath(configured, environment.ContentRootPath);
            return HasIndex(path) ? path : null;
        }

        string?[] candidates = [environment.WebRootPath, Path.Combine(AppContext.BaseDirectory, "wwwroot")];
        foreach (var candidate in candidates)
        {
            if (HasIndex(candidate)) return candidate;
        }

        // The Web SDK copies wwwroot only on publish; a plain build runs from bin/<configuration>/<framework>/.
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        for (var up = 0; up < 4 && directory is not null; up++, directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "wwwroot");
            if (File.Exists(Path.Combine(directory.FullName, "Loom.Server.csproj")) && HasIndex(candidate)) return candidate;
        }

        return null;
    }

    private static bool HasIndex(string? folder) => DashboardRules.HasBuild(folder);
}
