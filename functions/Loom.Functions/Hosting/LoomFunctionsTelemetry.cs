using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Loom.Core.Telemetry;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Loom.Functions.Hosting;

/// <summary>
/// The Function App's telemetry, as the Functions worker documents it: OpenTelemetry with the worker's defaults, Loom's meter
/// and spans, exported to Application Insights when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set and over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (host.json's <c>telemetryMode: OpenTelemetry</c> makes the host do the same).
/// </summary>
public static class LoomFunctionsTelemetry
{
    /// <summary>Adds OpenTelemetry when an exporter is configured; without one, nothing is added and recording costs nothing.</summary>
    /// <param name="services">The worker's services.</param>
    /// <param name="configuration">The worker's configuration (app settings and environment).</param>
    public static IServiceCollection AddLoomTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var appInsights = !string.IsNullOrWhiteSpace(configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]);
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (!appInsights && !otlp) return services;

        var telemetry = services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithMetrics(metrics => metrics.AddMeter(LoomTelemetry.Name))
            .WithTracing(tracing => tracing.AddSource(LoomTelemetry.Name));
        if (appInsights)
        {
            // infra/ turns Application Insights' local auth off: the worker sends as the app's identity, as the host does.
            var credential = Credential(configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
            telemetry.UseAzureMonitorExporter(o =>
            {
                if (credential is not null) o.Credential = credential;
            });
        }
        if (otlp) telemetry.UseOtlpExporter();
        return services;
    }

    /// <summary>
    /// The identity named by <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> (<c>Authorization=AAD</c>, with <c>ClientId=...</c> for a
    /// user-assigned identity); null when the setting asks for none.
    /// </summary>
    internal static TokenCredential? Credential(string? authentication)
    {
        if (string.IsNullOrWhiteSpace(authentication)) return null;
        var parts = authentication.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var kind) || !kind.Equals("AAD", StringComparison.OrdinalIgnoreCase)) return null;
        return parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}
