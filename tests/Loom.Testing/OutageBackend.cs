using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Loom.Testing;

/// <summary>
/// A stub backend on 127.0.0.1 that can be switched down (every call answers 503) and up (200), counting the calls it gets in
/// each state: a circuit breaker's test counts what reached the target while it was down.
/// </summary>
public sealed class OutageBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _down;
    private int _callsWhileDown;
    private int _callsWhileUp;

    private OutageBackend(WebApplication app) => _app = app;

    /// <summary>Base URL, e.g. http://127.0.0.1:5123 (its own origin).</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>True while every call answers 503.</summary>
    public bool Down
    {
        get => Volatile.Read(ref _down) == 1;
        set => Volatile.Write(ref _down, value ? 1 : 0);
    }

    /// <summary>Calls that arrived while <see cref="Down"/>.</summary>
    public int CallsWhileDown => Volatile.Read(ref _callsWhileDown);

    /// <summary>Calls that arrived while up.</summary>
    public int CallsWhileUp => Volatile.Read(ref _callsWhileUp);

    /// <summary>Starts the stub on a free port, up.</summary>
    public static async Task<OutageBackend> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var stub = new OutageBackend(app);
        app.MapPost("/{**path}", () =>
        {
            if (stub.Down)
            {
                Interlocked.Increment(ref stub._callsWhileDown);
                return Results.Json(new { message = "down for maintenance" }, statusCode: 503);
            }

            Interlocked.Increment(ref stub._callsWhileUp);
            return Results.Json(new { status = "SUCCESS", output = new { ok = true } });
        });
        await app.StartAsync();
        stub.BaseUrl = BackendFixture.Addresses(app).First();
        return stub;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
