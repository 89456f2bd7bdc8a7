using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Loom.Cli.Tests;

/// <summary>
/// A host like the Function App in front of a real server on 127.0.0.1: <c>GET /api/runs/{id}/stream</c> answers 501 (as the
/// Function App does), every other request is passed to the server as it is. Counts what the client asked for.
/// </summary>
public sealed class NoStreamProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private int _streams;
    private int _eventReads;
    private int _eventsServed;

    private NoStreamProxy(WebApplication app, HttpClient upstream)
    {
        _app = app;
        _upstream = upstream;
    }

    /// <summary>The proxy's address.</summary>
    public string BaseUrl => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>How many times a stream was asked for (each answered 501).</summary>
    public int Streams => Volatile.Read(ref _streams);

    /// <summary>How many times the run's event log was read.</summary>
    public int EventReads => Volatile.Read(ref _eventReads);

    /// <summary>How many events the log reads brought in all (each event once when the client follows the log with <c>after</c>).</summary>
    public int EventsServed => Volatile.Read(ref _eventsServed);

    /// <summary>Starts a proxy to <paramref name="server"/> on a free loopback port.</summary>
    public static async Task<NoStreamProxy> StartAsync(string server)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var upstream = new HttpClient { BaseAddress = new Uri(server) };
        var proxy = new NoStreamProxy(builder.Build(), upstream);
        proxy._app.Run(proxy.HandleAsync);
        await proxy._app.StartAsync();
        return proxy;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith("/api/runs/", StringComparison.Ordinal) && path.EndsWith("/stream", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _streams);
            context.Response.StatusCode = (int)HttpStatusCode.NotImplemented;
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync("{\"title\":\"Streaming not available\",\"status\":501}");
            return;
        }
        if (path.EndsWith("/events", StringComparison.Ordinal)) Interlocked.Increment(ref _eventReads);
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), path + context.Request.QueryString);
        foreach (var header in context.Request.Headers.Where(h => h.Key.StartsWith("x-", StringComparison.OrdinalIgnoreCase)))
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
        }
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
            if (context.Request.ContentType is { } type) request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
        }
        using var response = await _upstream.SendAsync(request, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Content.Headers.ContentType is { } contentType) context.Response.ContentType = contentType.ToString();
        if (path.EndsWith("/events", StringComparison.Ordinal) && response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(context.RequestAborted);
            Interlocked.Add(ref _eventsServed, System.Text.Json.Nodes.JsonNode.Parse(body)!["items"]!.AsArray().Count);
            await context.Response.WriteAsync(body, context.RequestAborted);
            return;
        }
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
