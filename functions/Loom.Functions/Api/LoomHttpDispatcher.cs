using Loom.Core.Api;
using Loom.Functions.Orchestration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;

namespace Loom.Functions.Api;

/// <summary>Hands an HTTP trigger's request to Core's <see cref="LoomApi"/> with a run driver over the invocation's Durable client.</summary>
/// <param name="services">The API services built at startup.</param>
/// <param name="drivers">Makes the run driver for a Durable client.</param>
public sealed class LoomHttpDispatcher(ApiServices services, DurableRunDrivers drivers)
{
    /// <summary>Maps the request, runs the API, and returns its response.</summary>
    /// <param name="request">The ASP.NET Core request of the trigger.</param>
    /// <param name="client">The invocation's Durable client.</param>
    public async Task<IActionResult> HandleAsync(HttpRequest request, DurableTaskClient client)
    {
        var body = await ReadBodyAsync(request, services.Options.MaxBodyBytes);
        if (body is null)
        {
            return new ApiResponseResult(ApiResponse.Problem(413, "Payload too large", $"The body exceeds the limit of {services.Options.MaxBodyBytes} bytes."));
        }

        var apiRequest = ApiRequest.Create(
            request.Method,
            request.Path.Value ?? "/",
            request.Query.Select(q => KeyValuePair.Create(q.Key, q.Value.ToString())),
            request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString())),
            body,
            request.ContentType);
        var api = new LoomApi(services with { Driver = drivers.For(client) });
        return new ApiResponseResult(await api.HandleAsync(apiRequest, request.HttpContext.RequestAborted));
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is larger.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit)
    {
        if (request.ContentLength > limit) return null;
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
}

/// <summary>Writes a Core <see cref="ApiResponse"/> (status, headers, JSON body) to the HTTP response.</summary>
/// <param name="response">The API's response.</param>
internal sealed class ApiResponseResult(ApiResponse response) : IActionResult
{
    /// <inheritdoc />
    public async Task ExecuteResultAsync(ActionContext context)
    {
        var http = context.HttpContext.Response;
        http.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers) http.Headers[name] = value;
        if (response.Body is null) return;
        http.ContentType = response.ContentType;
        await http.WriteAsync(response.Body.ToJsonString(), context.HttpContext.RequestAborted);
    }
}
