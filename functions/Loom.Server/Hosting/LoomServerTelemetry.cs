using Loom.Core.Api;
using Loom.Core.Telemetry;
using Microsoft.AspNetCore.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Loom.Server.Hosting;

/// <summary>
/// The server's telemetry: Loom's meter scraped as Prometheus text at <c>GET /metrics</c> (access per <see cref="MetricsOptions"/>),
/// and Loom's meter and spans exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class LoomServerTelemetry
{
    /// <summary>The path Prometheus scrapes.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Adds OpenTelemetry with Loom's meter (and its spans when exported), from <c>Loom:Metrics</c> and the OTEL_* settings.</summary>
    public static WebApplicationBuilder AddLoomTelemetry(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Loom:Metrics").Get<MetricsOptions>() ?? new MetricsOptions();
        options.Validate();
        builder.Services.AddSingleton(options);
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (options.Access == MetricsAccess.Off && !otlp) return builder;

        if (options.Access == MetricsAccess.Anonymous)
        {
            // The metrics port is one more Kestrel address next to the API's; requests on it reach /metrics only (MapLoomMetrics).
            var urls = builder.Configuration[WebHostDefaults.ServerUrlsKey];
            builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, string.IsNullOrEmpty(urls) ? options.Url : $"{urls};{options.Url}");
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? "loom-server"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(LoomTelemetry.Name);
                // Scrapes read the numbers of the moment (the exporter would otherwise serve a copy up to 300 ms old).
                if (options.Access != MetricsAccess.Off) metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
            });
        if (otlp)
        {
            // Spans cost something to build, so the source is listened to only when they go somewhere.
            telemetry.WithTracing(tracing => tracing.AddSource(LoomTelemetry.Name)).UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// Maps <c>GET /metrics</c> as <see cref="MetricsOptions.Access"/> says, before the dashboard so that it never answers it:
    /// behind a reader key, anonymous on its own port only, or a 404 when off. Call it before <c>MapLoomDashboard</c>.
    /// </summary>
    public static WebApplication MapLoomMetrics(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<MetricsOptions>();
        if (options.Access == MetricsAccess.Off)
        {
            app.Map(MetricsPath, () => Results.NotFound());
            return app;
        }

        var port = options.Access == MetricsAccess.Anonymous ? options.Port : -1;
        if (port > 0)
        {
            // The anonymous port serves the metrics and nothing else: not the API, not the dashboard.
            app.Use(async (http, next) =>
            {
                if (http.Connection.LocalPort == port && !http.Request.Path.Equals(MetricsPath, StringComparison.OrdinalIgnoreCase))
                {
                    http.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }
                await next(http);
            });
        }

        // Resolved at the first scrape, not while the app is built: the authorizer needs the settings, which are checked (and
        // reported by name) when the host starts.
        var authorizer = new Lazy<IApiAuthorizer>(() => app.Services.GetRequiredService<IApiAuthorizer>());
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (http, next) =>
        {
            var status = Check(http, options, port, authorizer.Value);
            if (status != StatusCodes.Status200OK)
            {
                http.Response.StatusCode = status;
                if (status == StatusCodes.Status401Unauthorized) http.Response.Headers.WWWAuthenticate = "ApiKey header=\"x-functions-key\"";
                return;
            }
            await next(http);
        }), optionsName: null);
        return app;
    }

    /// <summary>200 when the scrape may be answered, else the status to answer with.</summary>
    private static int Check(HttpContext http, MetricsOptions options, int port, IApiAuthorizer authorizer)
    {
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)) return StatusCodes.Status405MethodNotAllowed;
        if (options.Access == MetricsAccess.Anonymous) return http.Connection.LocalPort == port ? StatusCodes.Status200OK : StatusCodes.Status404NotFound;
        var request = ApiRequest.Create(http.Request.Method, MetricsPath,
            http.Request.Query.Select(q => KeyValuePair.Create(q.Key, q.Value.ToString())),
            http.Request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString())));
        return authorizer.Authorize(request) is >= ApiRole.Reader ? StatusCodes.Status200OK : StatusCodes.Status401Unauthorized;
    }
}

/// <summary>Who may read <c>GET /metrics</c>.</summary>
public enum MetricsAccess
{
    /// <summary>Any configured API key (reader or above), like the read routes of the API.</summary>
    ApiKey,

    /// <summary>No key, on a separate port (<see cref="MetricsOptions.Url"/>) that serves nothing else.</summary>
    Anonymous,

    /// <summary>No metrics endpoint: <c>/metrics</c> answers 404.</summary>
    Off,
}

/// <summary>Settings of the Prometheus endpoint (<c>Loom:Metrics</c>).</summary>
public sealed class MetricsOptions
{
    /// <summary>Who may scrape: ApiKey (default), Anonymous (on <see cref="Url"/>) or Off.</summary>
    public MetricsAccess Access { get; set; } = MetricsAccess.ApiKey;

    /// <summary>The extra address that serves <c>/metrics</c> without a key when <see cref="Access"/> is Anonymous.</summary>
    public string Url { get; set; } = "http://0.0.0.0:9464";

    /// <summary>The port of <see cref="Url"/>.</summary>
    internal int Port => Uri.TryCreate(Url.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri) ? uri.Port : -1;

    /// <summary>Fails the start with a clear message when the settings cannot work.</summary>
    internal void Validate()
    {
        if (Access == MetricsAccess.Anonymous && Port <= 0)
        {
            throw new InvalidOperationException($"Loom:Metrics:Url '{Url}' is not an absolute http URL with a port; anonymous metrics need their own port.");
        }
    }
}
