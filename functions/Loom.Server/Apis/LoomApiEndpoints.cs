using Loom.Core.Api;
using Loom.Core.Api.Streaming;
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
        var (problem, stream) = await api.OpenStreamAsync(ToApiRequest(http, ReadOnlyMemory<byte>.Empty), http.RequestAborted);
        if (stream is null)
        {
            await WriteAsync(http, problem!);
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

    private static async Task HandleAsync(HttpContext http, LoomApi api, ApiOptions options)
    {
        var body = await ReadBodyAsync(http, options.MaxBodyBytes);
        ApiResponse response;
        if (body is null)
        {
            response = ApiResponse.Problem(413, "Payload too large", $"The body exceeds the limit of {options.MaxBodyBytes} bytes.");
        }
        else
        {
            response = await api.HandleAsync(ToApiRequest(http, body), http.RequestAborted);
        }
        await WriteAsync(http, response);
    }

    private static ApiRequest ToApiRequest(HttpContext http, ReadOnlyMemory<byte> body) => ApiRequest.Create(
        http.Request.Method,
        http.Request.Path.Value ?? "/",
        http.Request.Query.Select(q => KeyValuePair.Create(q.Key, q.Value.ToString())),
        http.Request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString())),
        body,
        http.Request.ContentType);

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is larger.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext http, int limit)
    {
        if (http.Request.ContentLength > limit) return null;
        // The API enforces its own limit, so lift Kestrel's (which would answer with a bare 413 and no reason).
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static async Task WriteAsync(HttpContext http, ApiResponse response)
    {
        http.Response.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers) http.Response.Headers[name] = value;
        if (response.Body is null) return;
        http.Response.ContentType = response.ContentType;
        await http.Response.WriteAsync(response.Body.ToJsonString(), http.RequestAborted);
    }
}
