using Loom.Core.Api;
using Loom.Core.Api.Streaming;
using Loom.Hosting;
using Microsoft.AspNetCore.Http.Features;

namespace Loom.Server.Apis;

/// <summary>Hands every /api request to Core's <see cref="LoomApi"/>: the server adds only HTTP plumbing.</summary>
public static class LoomApiEndpoints
{
    /// <summary>Maps /api/** to the shared API.</summary>
    public static IEndpointRouteBuilder MapLoomApi(this IEndpointRouteBuilder app)
    {
        // More specific than the catch-all, so a GET of a run's stream lands here; other methods get Core's 405.
        app.MapGet(LoomApi.StreamRoute, StreamAsync);
        app.Map("/api/{**path}", HandleAsync);
        return app;
    }

    /// <summary>GET /api/runs/{runId}/stream: Core checks and opens the stream; the server writes and flushes its frames.</summary>
    private static async Task StreamAsync(HttpContext http, LoomApi api, IHostApplicationLifetime lifetime)
    {
        var (problem, stream) = await api.OpenStreamAsync(ApiHttp.ToApiRequest(http.Request, ReadOnlyMemory<byte>.Empty), http.RequestAborted);
        if (stream is null)
        {
            await ApiHttp.WriteAsync(http.Response, problem!);
            return;
        }
        using (stream)
        {
            http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            http.Response.ContentType = RunEventStream.ContentType;
            http.Response.Headers.CacheControl = "no-cache";
            // Reverse proxies (nginx) would otherwise hold the frames back.
            http.Response.Headers["X-Accel-Buffering"] = "no";
            // A stopping server ends its streams at once (clients resume elsewhere with Last-Event-ID) rather than holding
            // the shutdown until they close.
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
            try
            {
                await stream.RunAsync(async (frame, ct) =>
                {
                    await http.Response.WriteAsync(frame, ct);
                    await http.Response.Body.FlushAsync(ct);
                }, ended.Token);
            }
            catch (OperationCanceledException) when (ended.IsCancellationRequested)
            {
                // The client went away or the server is stopping: nothing more to send.
            }
        }
    }

    private static async Task HandleAsync(HttpContext http, LoomApi api, ApiOptions options) =>
        await ApiHttp.WriteAsync(http.Response, await ApiHttp.HandleAsync(http.Request, api, options.MaxBodyBytes));
}
