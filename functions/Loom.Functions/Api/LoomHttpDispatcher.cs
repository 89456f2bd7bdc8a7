using Loom.Core.Api;
using Loom.Functions.Orchestration;
using Loom.Hosting;
using Microsoft.AspNetCore.Http;
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
        var api = new LoomApi(services with { Driver = drivers.For(client) });
        return new ApiResponseResult(await ApiHttp.HandleAsync(request, api, services.Options.MaxBodyBytes));
    }
}

/// <summary>Writes a Core <see cref="ApiResponse"/> (status, headers, JSON body) to the HTTP response.</summary>
/// <param name="response">The API's response.</param>
internal sealed class ApiResponseResult(ApiResponse response) : IActionResult
{
    /// <inheritdoc />
    public Task ExecuteResultAsync(ActionContext context) => ApiHttp.WriteAsync(context.HttpContext.Response, response);
}
