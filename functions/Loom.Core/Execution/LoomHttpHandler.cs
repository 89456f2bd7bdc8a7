using System.Net;
using System.Net.Http;

namespace Loom.Core.Execution;

/// <summary>Creates the HTTP handler every task call goes through: SSRF guard on each connection, no proxy, no cookies.</summary>
/// <remarks>
/// The handler follows no redirect itself: <see cref="HttpTaskExecutor"/> follows them (at most
/// <see cref="ExecutorOptions.MaxRedirects"/> hops), so it can drop the task's own headers, which may carry secrets, when a
/// redirect leaves the origin. Each hop opens its connections through the same guard, so a redirect to an internal address is refused.
/// </remarks>
public static class LoomHttpHandler
{
    /// <summary>
    /// A handler whose <see cref="SocketsHttpHandler.ConnectCallback"/> resolves the host itself and connects only to an address
    /// <see cref="SsrfGuard"/> allows (so DNS rebinding and redirects to internal addresses are refused).
    /// </summary>
    /// <remarks>
    /// Requests must stay on HTTP/1.1 or HTTP/2: HTTP/3 runs over QUIC, which does not use the connect callback
    /// (<see cref="HttpTaskExecutor"/> sends HTTP/1.1 only). No proxy is used, since a proxy would connect on our behalf unchecked.
    /// </remarks>
    public static SocketsHttpHandler Create(SsrfGuardOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var handler = Configure();
        handler.ConnectCallback = (context, cancellationToken) => SsrfGuard.ConnectAsync(options, context.DnsEndPoint, cancellationToken);
        return handler;
    }

    /// <summary>The same handler with the final TCP connect supplied, so tests can forbid any connect outside loopback.</summary>
    internal static SocketsHttpHandler CreateWithConnector(SsrfGuardOptions options, Func<IPEndPoint, CancellationToken, ValueTask<Stream>> connect)
    {
        ArgumentNullException.ThrowIfNull(options);
        var handler = Configure();
        handler.ConnectCallback = (context, cancellationToken) => SsrfGuard.ConnectAsync(options, context.DnsEndPoint, connect, cancellationToken);
        return handler;
    }

    private static SocketsHttpHandler Configure() =>
        new()
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            // Connections are recycled so that a changed DNS answer is resolved (and checked) again.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            AutomaticDecompression = DecompressionMethods.All,
            // Loom writes each attempt's traceparent itself (the attempt's span, see AttemptTelemetry); the handler's own
            // propagation would name whatever activity is current instead.
            ActivityHeadersPropagator = null,
        };
}
