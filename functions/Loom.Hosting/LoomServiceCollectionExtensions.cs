using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Loom.Core.Api;
using Loom.Core.Circuits;
using Loom.Core.Execution;
using Loom.Core.Notifications;
using Loom.Core.Retention;
using Loom.Core.Statistics;
using Loom.Core.Stores;
using Loom.Core.Templating;
using Loom.Storage;
using Loom.Storage.Queues;
using Loom.Storage.Stores;
using Loom.Core.Triggers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Loom.Core.Definitions;

namespace Loom.Hosting;

/// <summary>The one composition both hosts start from: settings checked at start, storage and stores, the catalog, the task executor, callbacks and the API's services.</summary>
public static class LoomServiceCollectionExtensions
{
    /// <summary>
    /// Adds what every Loom host needs, configured from the <c>Loom</c> section of <paramref name="configuration"/>. Stores,
    /// the storage account and the authorizer are added only where none is registered yet, so a host (or a test) can put its
    /// own first.
    /// </summary>
    public static IServiceCollection AddLoomServices(this IServiceCollection services, IConfiguration configuration, LoomHostProfile host)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(host);
        AddProcessWideServices(services);

        services.AddSingleton(host);
        services.AddOptions<LoomOptions>()
            .Bind(configuration.GetSection(LoomOptions.Section))
            .PostConfigure(o => ApplyHostDefaults(o, host))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<LoomOptions>, LoomOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<LoomOptions>>().Value);

        services.TryAddSingleton(sp => OpenStorage(sp.GetRequiredService<LoomOptions>(), host, sp.GetService<StorageRequestCounter>()));
        services.TryAddSingleton<IWorkflowStore>(sp => sp.GetRequiredService<LoomStorageAccount>().Workflows);
        services.TryAddSingleton<IRunStore>(sp => sp.GetRequiredService<LoomStorageAccount>().Runs);
        services.TryAddSingleton<IAttemptStore>(sp => sp.GetRequiredService<LoomStorageAccount>().Attempts);
        services.TryAddSingleton<IEventStore>(sp => sp.GetRequiredService<LoomStorageAccount>().Events);
        services.TryAddSingleton<ISchedulerStateStore>(sp => sp.GetRequiredService<LoomStorageAccount>().SchedulerStates);
        services.TryAddSingleton<IDeadLetterStore>(sp => sp.GetRequiredService<LoomStorageAccount>().DeadLetters);
        services.TryAddSingleton<IWorkflowAuditStore>(sp => sp.GetRequiredService<LoomStorageAccount>().Audit);
        services.TryAddSingleton<ICircuitStore>(sp => sp.GetRequiredService<LoomStorageAccount>().Circuits);
        services.AddSingleton(sp =>
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Loom.Circuits");
            return new CircuitBreakers(sp.GetRequiredService<ICircuitStore>(), sp.GetRequiredService<TimeProvider>(), ex => Log.CircuitStoreFailed(logger, ex));
        });
        services.AddSingleton(sp => new WorkflowCatalog(sp.GetRequiredService<IWorkflowStore>(), sp.GetRequiredService<LoomOptions>().Notify?.ToSpec()));
        services.TryAddSingleton<IRunRetentionStore>(sp => (IRunRetentionStore)sp.GetRequiredService<LoomStorageAccount>().Runs);
        services.TryAddSingleton<IDeadLetterRetentionStore>(sp => (IDeadLetterRetentionStore)sp.GetRequiredService<LoomStorageAccount>().DeadLetters);
        services.AddSingleton(sp => new RetentionSweep(sp.GetRequiredService<WorkflowCatalog>(), sp.GetRequiredService<IRunRetentionStore>(),
            sp.GetRequiredService<IDeadLetterRetentionStore>(), sp.GetRequiredService<LoomOptions>().RetentionDays));
        services.TryAddSingleton<IRunStatsStore>(sp => sp.GetRequiredService<LoomStorageAccount>().Stats);
        services.TryAddSingleton(sp => new RunStatsRecorder(sp.GetRequiredService<IRunStatsStore>(), host.StatsGatherWindow, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IWebhookKeyStore>(sp => sp.GetRequiredService<LoomStorageAccount>().WebhookKeys);
        services.TryAddSingleton<ITriggerQueues>(sp => OpenQueues(sp.GetRequiredService<LoomOptions>()));
        services.AddSingleton(sp => new QueueTriggerPump(sp.GetRequiredService<WorkflowCatalog>(), sp.GetRequiredService<ITriggerQueues>(),
            sp.GetRequiredService<IWorkflowAuditStore>(), sp.GetRequiredService<TimeProvider>(), new QueueTriggerOptions()));

        services.AddSingleton<ISecretProvider>(sp => new ConfiguredSecrets(sp.GetRequiredService<LoomOptions>().Secrets));
        services.AddSingleton(sp => CreateCallbackTokens(sp.GetRequiredService<LoomOptions>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => new CallbackUrls(sp.GetRequiredService<LoomOptions>().PublicBaseUrl, sp.GetRequiredService<CallbackTokens>()));
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<LoomOptions>();
            var handler = LoomHttpHandler.Create(new SsrfGuardOptions { AllowLoopback = o.AllowLoopback, AllowPrivateNetworks = o.AllowPrivateNetworks });
            // Per-attempt timeouts are the executor's; HttpClient's own 100 s default would cut long tasks.
            var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
            return new HttpTaskExecutor(client, new ExecutorOptions(), sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<TaskAttemptRunner>();
        services.AddSingleton(sp => new NotificationSender(
            sp.GetRequiredService<HttpTaskExecutor>(), sp.GetRequiredService<ISecretProvider>(),
            new NotificationOptions { DashboardBaseUrl = sp.GetRequiredService<LoomOptions>().PublicBaseUrl }, sp.GetRequiredService<TimeProvider>()));

        services.TryAddSingleton<IApiAuthorizer>(sp => new ApiKeyAuthorizer(ApiKeys(sp.GetRequiredService<LoomOptions>())));
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<LoomOptions>();
            return new ApiOptions { MaxBodyBytes = o.MaxBodyBytes, PublicBaseUrl = o.PublicBaseUrl };
        });
        services.AddSingleton(sp => host.CompleteApi(sp, CreateApiServices(sp, host)));
        return services;
    }

    /// <summary>The configured API keys with their roles (the settings check at start has refused unknown roles).</summary>
    public static IEnumerable<ApiKey> ApiKeys(LoomOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.ApiKeys.Select(k => new ApiKey(k.Key, SettingChecks.TryParseRole(k.Role, out var role) ? role : ApiRole.Reader, k.Name));
    }

    /// <summary>
    /// Services of the whole process, whatever the host: the clock, and the place where process-wide instrumentation (meters,
    /// tracing) is added for both hosts.
    /// </summary>
    private static void AddProcessWideServices(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
    }

    private static void ApplyHostDefaults(LoomOptions options, LoomHostProfile host)
    {
        // A setting present without a value (an empty JSON null, an in-memory null) binds null: it counts as unset.
        options.StorageConnectionString ??= "";
        options.TableServiceUri ??= "";
        options.ManagedIdentityClientId ??= "";
        options.TablePrefix ??= new LoomOptions().TablePrefix;
        options.CallbackSigningKey ??= "";
        options.PublicBaseUrl ??= "";
        options.QueueServiceUri ??= "";
        foreach (var key in options.ApiKeys)
        {
            key.Key ??= "";
            key.Role ??= "";
            key.Name ??= "";
        }

        if (options.StorageConnectionString.Length == 0 && options.TableServiceUri.Length == 0)
        {
            options.StorageConnectionString = host.DefaultStorageConnectionString;
        }

        options.PublicBaseUrl = options.PublicBaseUrl.Length > 0 ? options.PublicBaseUrl.TrimEnd('/') : host.DefaultPublicBaseUrl;
    }

    private static LoomStorageAccount OpenStorage(LoomOptions o, LoomHostProfile host, StorageRequestCounter? counter)
    {
        // Always counted: every storage request is in Loom's storage metrics; the host's own counter (diagnostics, bench) when it has one.
        var clientOptions = (counter ?? new StorageRequestCounter()).AddTo(new TableClientOptions());
        var storeOptions = StoreOptions(o.TablePrefix, host);
        if (o.StorageConnectionString.Length > 0) return LoomStorageAccount.Create(o.StorageConnectionString, storeOptions, clientOptions);

        TokenCredential credential = o.ManagedIdentityClientId.Length > 0
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(o.ManagedIdentityClientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
        return LoomStorageAccount.Create(new Uri(o.TableServiceUri), credential, storeOptions, clientOptions);
    }

    /// <summary>The store options a host runs with: its table prefix and what its profile asks of the stores.</summary>
    /// <param name="tablePrefix">Loom's table prefix.</param>
    /// <param name="host">The host's profile.</param>
    public static TableStoreOptions StoreOptions(string tablePrefix, LoomHostProfile host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return new TableStoreOptions { TablePrefix = tablePrefix, OpenRunIndex = host.OpenRunIndex };
    }

    /// <summary>The queues of queue triggers: the storage account of the tables (its connection string, or its queue endpoint with the managed identity).</summary>
    private static AzureTriggerQueues OpenQueues(LoomOptions o)
    {
        if (o.StorageConnectionString.Length > 0) return AzureTriggerQueues.Create(o.StorageConnectionString);
        var uri = o.QueueServiceUri is { Length: > 0 } given ? given : o.TableServiceUri.Replace(".table.", ".queue.", StringComparison.OrdinalIgnoreCase);
        TokenCredential credential = o.ManagedIdentityClientId.Length > 0
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(o.ManagedIdentityClientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
        return AzureTriggerQueues.Create(new Uri(uri), credential);
    }

    private static CallbackTokens CreateCallbackTokens(LoomOptions o, ILoggerFactory loggers)
    {
        if (o.CallbackSigningKey.Length > 0) return new CallbackTokens(Encoding.UTF8.GetBytes(o.CallbackSigningKey));
        // Only a host that allows an unset key gets here (the settings check at start stops the others).
        Log.SigningKeyGenerated(loggers.CreateLogger("Loom.Hosting"));
        return new CallbackTokens(RandomNumberGenerator.GetBytes(32));
    }

    private static ApiServices CreateApiServices(IServiceProvider sp, LoomHostProfile host)
    {
        var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Loom.Api");
        return new ApiServices
        {
            Workflows = sp.GetRequiredService<WorkflowCatalog>(),
            Runs = sp.GetRequiredService<IRunStore>(),
            Attempts = sp.GetRequiredService<IAttemptStore>(),
            Events = sp.GetRequiredService<IEventStore>(),
            Driver = host.RunDriver(sp),
            SchedulerStates = sp.GetRequiredService<ISchedulerStateStore>(),
            DeadLetters = sp.GetRequiredService<IDeadLetterStore>(),
            Audit = sp.GetRequiredService<IWorkflowAuditStore>(),
            Circuits = sp.GetRequiredService<CircuitBreakers>(),
            Stats = sp.GetRequiredService<IRunStatsStore>(),
            WebhookKeys = sp.GetRequiredService<IWebhookKeyStore>(),
            Authorizer = sp.GetRequiredService<IApiAuthorizer>(),
            CallbackTokens = sp.GetRequiredService<CallbackTokens>(),
            Clock = sp.GetRequiredService<TimeProvider>(),
            Secrets = sp.GetRequiredService<ISecretProvider>(),
            Options = sp.GetRequiredService<ApiOptions>(),
            StorageHealthy = sp.GetRequiredService<LoomStorageAccount>().PingAsync,
            OnError = (ex, request) => Log.ApiFailed(logger, request.Method, request.Path, ex),
        };
    }
}
