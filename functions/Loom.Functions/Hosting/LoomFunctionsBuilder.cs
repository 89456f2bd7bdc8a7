using System.Text;
using Azure.Core;
using Azure.Identity;
using Loom.Core.Api;
using Loom.Core.Execution;
using Loom.Core.Stores;
using Loom.Core.Templating;
using Loom.Functions.Api;
using Loom.Functions.Orchestration;
using Loom.Storage;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Loom.Functions.Hosting;

/// <summary>Wires Loom's parts into the Functions worker: storage on the managed identity, the executor, the API services.</summary>
public static class LoomFunctionsBuilder
{
    /// <summary>Adds every Loom service, configured from the <c>Loom</c> section.</summary>
    public static FunctionsApplicationBuilder AddLoom(this FunctionsApplicationBuilder builder)
    {
        builder.Services.AddLoom(builder.Configuration);
        return builder;
    }

    /// <summary>Adds every Loom service the functions need, configured from the <c>Loom</c> section of <paramref name="configuration"/>.</summary>
    /// <remarks>Separate from the Functions builder so that tests host the same functions on the Durable runtime with this exact wiring.</remarks>
    public static IServiceCollection AddLoom(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LoomFunctionsOptions>().Bind(configuration.GetSection("Loom"));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<LoomFunctionsOptions>>().Value);
        services.AddSingleton(TimeProvider.System);

        services.AddSingleton(sp => CreateStorage(sp.GetRequiredService<LoomFunctionsOptions>()));
        services.AddSingleton<IWorkflowStore>(sp => sp.GetRequiredService<LoomStorage>().Workflows);
        services.AddSingleton<IRunStore>(sp => sp.GetRequiredService<LoomStorage>().Runs);
        services.AddSingleton<IAttemptStore>(sp => sp.GetRequiredService<LoomStorage>().Attempts);
        services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<LoomStorage>().Events);
        services.AddSingleton<ISchedulerStateStore>(sp => sp.GetRequiredService<LoomStorage>().SchedulerStates);
        services.AddSingleton<IDeadLetterStore>(sp => sp.GetRequiredService<LoomStorage>().DeadLetters);
        services.AddSingleton<WorkflowCatalog>();

        services.AddSingleton<ISecretProvider>(sp => new ConfiguredSecrets(sp.GetRequiredService<LoomFunctionsOptions>().Secrets));
        services.AddSingleton(sp =>
        {
            var key = sp.GetRequiredService<LoomFunctionsOptions>().CallbackSigningKey;
            // Unlike the server, no per-process fallback: Functions scale out, and every instance must accept every token.
            return key.Length >= 16
                ? new CallbackTokens(Encoding.UTF8.GetBytes(key))
                : throw new InvalidOperationException("Set Loom__CallbackSigningKey (at least 16 characters): callback URLs are signed with it.");
        });
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<LoomFunctionsOptions>();
            var handler = LoomHttpHandler.Create(new SsrfGuardOptions { AllowLoopback = o.AllowLoopback, AllowPrivateNetworks = o.AllowPrivateNetworks });
            // The executor applies each task's timeout; HttpClient's own 100 s default would cut long tasks.
            var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
            return new HttpTaskExecutor(client, new ExecutorOptions(), sp.GetRequiredService<TimeProvider>());
        });

        services.AddSingleton(sp => new CallbackUrls(PublicBaseUrl(sp.GetRequiredService<LoomFunctionsOptions>()), sp.GetRequiredService<CallbackTokens>()));
        services.AddSingleton<TaskAttemptRunner>();
        services.AddSingleton<IApiAuthorizer>(sp =>
        {
            var o = sp.GetRequiredService<LoomFunctionsOptions>();
            return new FunctionKeyAuthorizer(
                o.ApiKeys.Select(k => new ApiKey(k.Key, ParseRole(k.Role, ApiRole.Reader), k.Name)),
                ParseRole(o.FunctionKeyRole, ApiRole.Admin));
        });
        services.AddSingleton(sp => new DurableRunDrivers(
            sp.GetRequiredService<IRunStore>(), sp.GetRequiredService<LoomFunctionsOptions>().ContinueAsNewAfter,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DurableRunDrivers>>()));
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<LoomFunctionsOptions>();
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Loom.Api");
            return new ApiServices
            {
                Workflows = sp.GetRequiredService<WorkflowCatalog>(),
                Runs = sp.GetRequiredService<IRunStore>(),
                Attempts = sp.GetRequiredService<IAttemptStore>(),
                Events = sp.GetRequiredService<IEventStore>(),
                // Replaced per request by a driver over that invocation's DurableTaskClient (see LoomHttpDispatcher).
                Driver = DurableRunDrivers.Unbound,
                SchedulerStates = sp.GetRequiredService<ISchedulerStateStore>(),
                DeadLetters = sp.GetRequiredService<IDeadLetterStore>(),
                Audit = sp.GetRequiredService<LoomStorage>().Audit,
                Authorizer = sp.GetRequiredService<IApiAuthorizer>(),
                CallbackTokens = sp.GetRequiredService<CallbackTokens>(),
                Clock = sp.GetRequiredService<TimeProvider>(),
                Secrets = sp.GetRequiredService<ISecretProvider>(),
                Options = new ApiOptions { MaxBodyBytes = o.MaxBodyBytes, PublicBaseUrl = PublicBaseUrl(o) },
                StorageHealthy = sp.GetRequiredService<LoomStorage>().PingAsync,
                OnError = (ex, request) => FunctionsLog.ApiFailed(logger, request.Method, request.Path, ex),
            };
        });
        services.AddSingleton<LoomHttpDispatcher>();
        services.AddSingleton(sp => new DashboardSite(sp.GetRequiredService<LoomFunctionsOptions>().DashboardPath));
        return services;
    }

    private static LoomStorage CreateStorage(LoomFunctionsOptions o)
    {
        if (o.StorageConnectionString.Length > 0) return LoomStorage.Create(o.StorageConnectionString, o.TablePrefix);
        if (o.TableServiceUri.Length == 0)
        {
            throw new InvalidOperationException("Set Loom__StorageConnectionString, or Loom__TableServiceUri for managed identity.");
        }

        TokenCredential credential = o.ManagedIdentityClientId.Length > 0
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(o.ManagedIdentityClientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
        return LoomStorage.Create(new Uri(o.TableServiceUri), credential, o.TablePrefix);
    }

    private static string PublicBaseUrl(LoomFunctionsOptions o) =>
        o.PublicBaseUrl.Length > 0 ? o.PublicBaseUrl.TrimEnd('/')
        : Environment.GetEnvironmentVariable("WEBSITE_HOSTNAME") is { Length: > 0 } host ? $"https://{host}"
        : "http://localhost:7071";

    private static ApiRole ParseRole(string text, ApiRole fallback) =>
        Enum.TryParse<ApiRole>(text, ignoreCase: true, out var role) && role != ApiRole.Anonymous ? role : fallback;
}

/// <summary>Log messages of the Function App.</summary>
internal static partial class FunctionsLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "API request {Method} {Path} failed")]
    public static partial void ApiFailed(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Scheduler tick: {Started} run(s) started, {Existing} already started, {Skipped} skipped")]
    public static partial void Ticked(ILogger logger, int started, int existing, int skipped);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Task {RunId}/{TaskId} attempt {Attempt}: {Outcome} ({StatusCode})")]
    public static partial void AttemptFinished(ILogger logger, string runId, string taskId, int attempt, string outcome, int? statusCode);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Task {RunId}/{TaskId} attempt {Attempt}: the run ended while the call was in flight; it is no longer waited for")]
    public static partial void Abandoned(ILogger logger, string runId, string taskId, int attempt);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "Run {RunId}: could not read the run while a call was in flight; the call is waited for to its end")]
    public static partial void RunCheckFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Run {RunId}: its record existed without an orchestration; the orchestration was started")]
    public static partial void Repaired(ILogger logger, string runId);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Information, Message = "Run {RunId}: redriven in place by {By} (a new orchestration under the same instance id)")]
    public static partial void Redriven(ILogger logger, string runId, string by);
}
