using Loom.Core.Api;
using Loom.Core.Definitions;
using Loom.Core.Execution;
using Loom.Core.Stores;
using Loom.Functions.Api;
using Loom.Functions.Orchestration;
using Loom.Hosting;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Loom.Functions.Hosting;

/// <summary>The Function App's part of the composition: the shared Loom services plus function-key roles, the Durable run driver and the dashboard.</summary>
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
        services.AddOptions<LoomFunctionsOptions>().Bind(configuration.GetSection(LoomOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LoomFunctionsOptions>, LoomFunctionsOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<LoomFunctionsOptions>>().Value);

        // Before the shared services, which add the plain key list only where no authorizer is registered.
        services.AddSingleton<IApiAuthorizer>(sp => new FunctionKeyAuthorizer(
            LoomServiceCollectionExtensions.ApiKeys(sp.GetRequiredService<LoomOptions>()),
            SettingChecks.TryParseRole(sp.GetRequiredService<LoomFunctionsOptions>().FunctionKeyRole, out var role) ? role : ApiRole.Admin));
        services.AddLoomServices(configuration, Profile());

        services.AddSingleton(sp => new DurableRunDrivers(
            sp.GetRequiredService<IRunStore>(), sp.GetRequiredService<LoomFunctionsOptions>().ContinueAsNewAfter,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DurableRunDrivers>>()));
        services.AddSingleton<LoomHttpDispatcher>();
        services.AddSingleton(sp => new DashboardSite(sp.GetRequiredService<LoomFunctionsOptions>().DashboardPath));
        services.AddLoomTelemetry(configuration);
        return services;
    }

    /// <summary>How long the Function App's statistics write gathers finished runs of one workflow-hour row (measured: see README's Performance).</summary>
    public static readonly TimeSpan StatsGatherWindow = TimeSpan.FromMilliseconds(200);

    /// <summary>The Function App's defaults in the shared composition.</summary>
    internal static LoomHostProfile Profile() => new()
    {
        Name = "Function App",
        // None: in Azure the tables are reached with the managed identity (Loom:TableServiceUri).
        DefaultStorageConnectionString = "",
        DefaultPublicBaseUrl = Environment.GetEnvironmentVariable("WEBSITE_HOSTNAME") is { Length: > 0 } host ? $"https://{host}" : "http://localhost:7071",
        // No per-process fallback: Functions scale out, and every instance must accept every token.
        RequiresCallbackSigningKey = true,
        // No recovery sweep here: Durable itself resumes every orchestration that has not finished.
        OpenRunIndex = false,
        // A run's final save waits this long at most for the statistics' write, which the runs finishing meanwhile share.
        StatsGatherWindow = StatsGatherWindow,
        // Replaced per request by a driver over that invocation's DurableTaskClient (see LoomHttpDispatcher).
        RunDriver = _ => DurableRunDrivers.Unbound,
    };
}
