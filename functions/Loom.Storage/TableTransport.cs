using System.Net;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace Loom.Storage;

/// <summary>The HTTP transport Loom's Table clients share when the caller brings none: one connection pool, tuned for many small requests to one service.</summary>
/// <remarks>
/// Why not the SDK's default: with the handler's proxy support switched off, the store microbench (two configurations
/// interleaved in one process against Azurite) spent 10-30% less client CPU per store operation; with it left on, the rest of
/// these settings made no difference. The proxy is only switched off when no proxy environment variable is set, when the
/// default handler would send directly anyway. The other settings skip what a Table client never uses: cookies, response
/// decompression (the service sends JSON uncompressed), the handler's own redirects (the pipeline has its own policy) and the
/// handler's trace-header propagation (the SDK's pipeline adds trace headers itself when tracing is on).
/// </remarks>
internal static class TableTransport
{
    private static readonly HttpClientTransport Tuned = new(new SocketsHttpHandler
    {
        UseProxy = MayNeedProxy(),
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        AllowAutoRedirect = false,
        ActivityHeadersPropagator = null,

        // Connections are reused for at most a few minutes, so a service whose address moves (DNS) is followed.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
    });

    /// <summary>Puts the shared transport into <paramref name="options"/> unless the caller chose a transport of its own; returns the options.</summary>
    public static TableClientOptions Apply(TableClientOptions options)
    {
        if (ReferenceEquals(options.Transport, HttpClientTransport.Shared))
        {
            options.Transport = Tuned;
        }

        return options;
    }

    /// <summary>True when the default handler might send through a proxy: a proxy environment variable is set, or the OS has system proxy settings (not Linux).</summary>
    internal static bool MayNeedProxy() =>
        new[] { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy" }
            .Any(name => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
        || !OperatingSystem.IsLinux();

    /// <summary>True when <paramref name="options"/> carry the shared transport.</summary>
    internal static bool IsApplied(TableClientOptions options) => ReferenceEquals(options.Transport, Tuned);
}
