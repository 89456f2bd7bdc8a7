using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Loom.Testing;

/// <summary>A notification receiver on 127.0.0.1 and a free port: records every POST to <c>/hooks/{name}</c> and answers as told per name.</summary>
public sealed class NotificationReceiver : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ReceivedNotification> _received = new();
    private WebApplication? _app;

    /// <summary>http://127.0.0.1:port</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Every request received, in arrival order.</summary>
    public IReadOnlyList<ReceivedNotification> Received => [.. _received];

    /// <summary>Starts a receiver.</summary>
    public static async Task<NotificationReceiver> StartAsync()
    {
        var receiver = new NotificationReceiver();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/hooks/{name}", async (HttpContext context, string name) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var status = receiver._answers.TryGetValue(name, out var queue) && queue.TryDequeue(out var next) ? next : 200;
            // Copied: Kestrel reuses a request's header collection once it is answered.
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            receiver._received.Enqueue(new ReceivedNotification(name, headers, buffer.ToArray(), status, DateTimeOffset.UtcNow));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        receiver._app = app;
        receiver.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return receiver;
    }

    /// <summary>The URL of <paramref name="name"/>, which first answers <paramref name="answers"/> in turn, then 200.</summary>
    public string Url(string name, params int[] answers)
    {
        _answers[name] = new ConcurrentQueue<int>(answers);
        return $"{BaseUrl}/hooks/{name}";
    }

    /// <summary>The requests received for <paramref name="name"/>.</summary>
    public IReadOnlyList<ReceivedNotification> For(string name) => [.. _received.Where(r => r.Name == name)];

    /// <summary>Waits until <paramref name="name"/> has had a request answered 2xx (or fails after the timeout).</summary>
    public async Task<IReadOnlyList<ReceivedNotification>> WaitForDeliveryAsync(string name, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (For(name).Any(r => r.Status is >= 200 and < 300)) return For(name);
            await Task.Delay(50);
        }

        Assert.Fail($"no notification delivered to {name} within {timeout.TotalSeconds} s; received {For(name).Count}");
        return [];
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

/// <summary>One request the receiver got.</summary>
/// <param name="Name">The hook's name (the path's last segment).</param>
/// <param name="Headers">Request headers (case-insensitive).</param>
/// <param name="Body">The body's exact bytes.</param>
/// <param name="Status">What the receiver answered.</param>
/// <param name="At">When it arrived.</param>
public sealed record ReceivedNotification(string Name, IReadOnlyDictionary<string, string> Headers, byte[] Body, int Status, DateTimeOffset At);
