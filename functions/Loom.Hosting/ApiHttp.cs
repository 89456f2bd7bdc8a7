using Loom.Core.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Loom.Hosting;

/// <summary>The HTTP side of Core's API on ASP.NET Core, the same on both hosts: reads the bounded body, maps the request, writes the response.</summary>
public static class ApiHttp
{
    /// <summary>Reads and maps <paramref name="request"/>, runs it through <paramref name="api"/>, and returns the answer (413 when the body is over <paramref name="maxBodyBytes"/>).</summary>
    public static async Task<ApiResponse> HandleAsync(HttpRequest request, LoomApi api, int maxBodyBytes)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(api);
        var body = await ReadBodyAsync(request, maxBodyBytes);
        if (body is null)
        {
            return ApiResponse.Problem(413, "Payload too large", $"The body exceeds the limit of {maxBodyBytes} bytes.");
        }

        return await api.HandleAsync(ToApiRequest(request, body), request.HttpContext.RequestAborted);
    }

    /// <summary>Core's view of an HTTP request whose body was read already.</summary>
    public static ApiRequest ToApiRequest(HttpRequest request, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ApiRequest.Create(
            request.Method,
            request.Path.Value ?? "/",
            request.Query.Select(q => KeyValuePair.Create(q.Key, q.Value.ToString())),
            request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString())),
            body,
            request.ContentType);
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is larger.</summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > limit) return null;
        // The API enforces its own limit, so lift the server's (which would answer with a bare 413 and no reason).
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Writes the API's status, headers and JSON body.</summary>
    public static async Task WriteAsync(HttpResponse http, ApiResponse response)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(response);
        http.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers) http.Headers[name] = value;
        if (response.Body is null) return;
        http.ContentType = response.ContentType;
        await http.WriteAsync(response.Body.ToJsonString(), http.HttpContext.RequestAborted);
    }
}
