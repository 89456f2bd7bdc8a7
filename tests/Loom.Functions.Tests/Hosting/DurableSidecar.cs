using DurableTask.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Loom.Functions.Tests.Hosting;

/// <summary>
/// The Durable runtime's backend side: the test host's gRPC sidecar (the same service the Functions host exposes to the
/// isolated worker) over any <see cref="IOrchestrationService"/>, on 127.0.0.1 with a free port.
/// </summary>
internal sealed class DurableSidecar : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DurableSidecar(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>gRPC address of the sidecar (HTTP/2 without TLS).</summary>
    public string Address { get; }

    public static async Task<DurableSidecar> StartAsync(IOrchestrationService service, ILoggerFactory loggerFactory)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        builder.Services.AddSingleton((IOrchestrationServiceClient)service);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        var app = builder.Build();
        app.MapGrpcService<TaskHubGrpcServer>();
        await app.StartAsync();
        var address = app.Urls.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
        return new DurableSidecar(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await DisposeAsync(stop.Token);
    }

    /// <summary>Stops within <paramref name="cancellationToken"/>'s time, dropping what is still in flight.</summary>
    public async Task DisposeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _app.StopAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
    }
}
