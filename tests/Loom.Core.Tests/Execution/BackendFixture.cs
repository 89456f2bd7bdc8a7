using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Loom.Core.Tests.Execution;

/// <summary>A real Kestrel backend on 127.0.0.1 and a free port; each test registers its own handler under /h/{name}.</summary>
public sealed class BackendFixture : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, RequestDelegate> handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> hits = new(StringComparer.Ordinal);
    private WebApplication? app;

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseUri { get; private set; } = null!;

    public int Port => BaseUri.Port;

    /// <summary>Registers the handler of /h/{name} (and anything below it) and returns its URL.</summary>
    public Uri Handle(string name, RequestDelegate handler)
    {
        handlers[name] = handler;
        return new Uri(BaseUri, $"/h/{name}");
    }

    /// <summary>How many requests reached /h/{name}.</summary>
    public int Hits(string name) => hits.GetValueOrDefault(name);

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.Map("/h/{name}/{**rest}", context =>
        {
            var name = (string)context.Request.RouteValues["name"]!;
            hits.AddOrUpdate(name, 1, (_, count) => count + 1);
            if (handlers.TryGetValue(name, out var handler))
            {
                return handler(context);
            }

            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUri = new Uri(address);
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
