using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Loom.Core.Api;
using Loom.Core.Api.Streaming;
using Loom.Core.Dashboard;
using Loom.Core.Execution;
using Loom.Core.Scheduling;
using Loom.Core.Stores;
using Loom.Core.Templating;
using Loom.Server.Engine;
using Loom.Storage;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Loom.Server.Hosting;

/// <summary>Wires Loom's parts into an ASP.NET Core host: storage, the engine, the API, the scheduler, recovery.</summary>
public static class LoomServerBuilder
{
    /// <summary>Adds every Loom service, configured from the <c>Loom</c> section.</summary>
    public static WebApplicationBuilder AddLoomServer(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<LoomServerOptions>().Bind(builder.Configuration.GetSection("Loom"));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<LoomServerOptions>>().Value);

        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<LoomServerOptions>();
            var counter = sp.GetService<StorageRequestCounter>();
            return LoomStorage.Create(o.StorageConnectionString, o.TablePrefix, counter?.AddTo(new TableClientOptions()));
        });
        if (builder.Configuration.GetValue<bool?>("Loom:Diagnostics:CountStorageRequests") ?? false)
        {
            services.AddSingleton<StorageRequestCounter>();
        }
        services.AddSingleton(sp => new ServerDiagnostics(sp.GetRequiredService<SelfHostedRunDriver>(), sp.GetRequiredService<WorkflowCatalog>(), sp.GetRequiredService<MemoryTrimmer>(), sp.GetService<StorageRequestCounter>()));
        services.AddSingleton<IWorkflowStore>(sp => sp.GetRequiredService<LoomStorage>().Workflows);
        services.TryAddSingleton<IRunStore>(sp => sp.GetRequiredService<LoomStorage>().Runs);
        // The engine's attempt records survive a storage outage (retried until storage is back); see OutageTolerantAttemptStore.
        services.AddSingleton<IAttemptStore>(sp => new OutageTolerantAttemptStore(sp.GetRequiredService<LoomStorage>().Attempts, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping, sp.GetRequiredService<ILogger<OutageTolerantAttemptStore>>()));
        services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<LoomStorage>().Events);
        services.AddSingleton<ISchedulerStateStore>(sp => sp.GetRequiredService<LoomStorage>().SchedulerStates);
        services.AddSingleton<IDeadLetterStore>(sp => sp.GetRequiredService<LoomStorage>().DeadLetters);
        services.AddSingleton<IProcessRegistry>(sp => new TableProcessRegistry(sp.GetRequiredService<LoomStorage>()));
        services.AddSingleton<WorkflowCatalog>();

        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<LoomServerOptions>();
            var name = o.InstanceName.Length > 0 ? o.InstanceName : $"{Dns.GetHostName()}-{Environment.ProcessId}";
            return new ProcessIdentity(name, sp.GetRequiredService<TimeProvider>().GetUtcNow());
        });
        services.AddSingleton<ISecretProvider>(sp => new ConfiguredSecrets(sp.GetRequiredService<LoomServerOptions>().Secrets));
        services.AddSingleton(sp =>
        {
            var key = sp.GetRequiredService<LoomServerOptions>().CallbackSigningKey;
            return new CallbackTokens(key.Length >= 16 ? Encoding.UTF8.GetBytes(key) : RandomNumberGenerator.GetBytes(32));
        });
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<LoomServerOptions>();
            var handler = LoomHttpHandler.Create(new SsrfGuardOptions { AllowLoopback = o.AllowLoopback, AllowPrivateNetworks = o.AllowPrivateNetworks });
            // Per-attempt timeouts are the executor's; HttpClient's own would cut long tasks at 100 s.
            var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
            return new HttpTaskExecutor(client, new ExecutorOptions(), sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<LoomServerOptions>();
            return new RunEngineOptions(o.MaxConcurrentCalls, o.PublicBaseUrl, o.ProcessTimeout, TimeSpan.FromSeconds(10));
        });
        services.AddSingleton(sp => new CallbackUrls(sp.GetRequiredService<LoomServerOptions>().PublicBaseUrl, sp.GetRequiredService<CallbackTokens>()));
        services.AddSingleton<RunCommitSignal>();
        services.AddSingleton<TaskAttemptRunner>();
        services.AddSingleton<ThrottledAttemptRunner>();
        services.AddSingleton<SelfHostedRunDriver>();
        services.AddSingleton<IRunDriver>(sp => sp.GetRequiredService<SelfHostedRunDriver>());
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<LoomServerOptions>();
            return new ApiOptions { MaxBodyBytes = o.MaxBodyBytes, PublicBaseUrl = o.PublicBaseUrl };
        });
        services.AddSingleton<IApiAuthorizer>(sp => new ApiKeyAuthorizer(sp.GetRequiredService<LoomServerOptions>().ApiKeys.Select(k =>
            new ApiKey(k.Key, Enum.TryParse<ApiRole>(k.Role, ignoreCase: true, out var role) && role != ApiRole.Anonymous ? role : ApiRole.Reader, k.Name))));
        services.AddSingleton(sp =>
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Loom.Api");
            var storage = sp.GetRequiredService<LoomStorage>();
            return new LoomApi(new ApiServices
            {
                Workflows = sp.GetRequiredService<WorkflowCatalog>(),
                Runs = sp.GetRequiredService<IRunStore>(),
                Attempts = sp.GetRequiredService<IAttemptStore>(),
                Events = sp.GetRequiredService<IEventStore>(),
                Driver = sp.GetRequiredService<IRunDriver>(),
                SchedulerStates = sp.GetRequiredService<ISchedulerStateStore>(),
                DeadLetters = sp.GetRequiredService<IDeadLetterStore>(),
                Audit = storage.Audit,
                Authorizer = sp.GetRequiredService<IApiAuthorizer>(),
                CallbackTokens = sp.GetRequiredService<CallbackTokens>(),
                Clock = sp.GetRequiredService<TimeProvider>(),
                Secrets = sp.GetRequiredService<ISecretProvider>(),
                Options = sp.GetRequiredService<ApiOptions>(),
                StorageHealthy = storage.PingAsync,
                Diagnostics = sp.GetRequiredService<ServerDiagnostics>().Snapshot,
                CommitSignal = sp.GetRequiredService<RunCommitSignal>(),
                Streams = sp.GetRequiredService<LoomServerOptions>().Streams,
                OnError = (ex, request) => ApiLog.Failed(logger, request.Method, request.Path, ex),
            });
        });

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
            services.AddHostedService(sp => new SchedulerService(sp.GetRequiredService<SchedulerTick>(), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<LoomServerOptions>().SchedulerInterval, sp.GetRequiredService<ILogger<SchedulerService>>()));
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

/// <summary>Log messages of the API host.</summary>
internal static partial class ApiLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "API request {Method} {Path} failed")]
    public static partial void Failed(ILogger logger, string method, string path, Exception exception);
}
