using Loom.Core.Api;
using Microsoft.AspNetCore.Http.Features;

namespace Loom.Server.Apis;

/// <summary>Hands every /api request to Core's <see cref="LoomApi"/>: the server adds only HTTP plumbing.</summary>
public static class LoomApiEndpoints
{
    /// <summary>Maps /api/** to the shared API.</summary>
    public static IEndpointRouteBuilder MapLoomApi(this IEndpointRouteBuilder app)
    {
        app.Map("/api/{**path}", HandleAsync);
        return app;
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
            var request = ApiRequest.Create(
                http.Request.Method,
                http.Request.Path.Value ?? "/",
                http.Request.Query.Select(q => KeyValuePair.Create(q.Key, q.Value.ToString())),
                http.Request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString())),
                body,
                http.Request.ContentType);
            response = await api.HandleAsync(request, http.RequestAborted);
        }
        await WriteAsync(http, response);
    }

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
