using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Loom.Functions.Api;

/// <summary>
/// The HTTP triggers of Loom's API (routes under <c>/api</c>, as on the self-hosted server; host.json's route prefix is
/// empty so that the dashboard can have the root, see <see cref="DashboardFunction"/>). Each hands its request to
/// <see cref="LoomHttpDispatcher"/>; routing, roles and every rule live in Core. Keyed routes use function keys
/// (<c>x-functions-key</c> or <c>?code=</c>); health and callbacks need none (a callback URL carries its own token).
/// </summary>
/// <param name="dispatcher">The shared dispatcher.</param>
public sealed class LoomHttpFunctions(LoomHttpDispatcher dispatcher)
{
    /// <summary>/api/workflows and everything under it.</summary>
    [Function("Workflows")]
    public Task<IActionResult> WorkflowsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", "post", "delete", Route = "api/workflows/{*rest}")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => dispatcher.HandleAsync(request, client);

    /// <summary>/api/runs and everything under it.</summary>
    [Function("Runs")]
    public Task<IActionResult> RunsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = "api/runs/{*rest}")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => dispatcher.HandleAsync(request, client);

    /// <summary>/api/deadletters and everything under it.</summary>
    [Function("DeadLetters")]
    public Task<IActionResult> DeadLettersAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", "delete", Route = "api/deadletters/{*rest}")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => dispatcher.HandleAsync(request, client);

    /// <summary>/api/openapi.json.</summary>
    [Function("OpenApi")]
    public Task<IActionResult> OpenApiAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/openapi.json")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => dispatcher.HandleAsync(request, client);

    /// <summary>/api/callbacks/{token}: completion of a callback task, authenticated by its token.</summary>
    [Function("Callbacks")]
    public Task<IActionResult> CallbacksAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/callbacks/{token}")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => dispatcher.HandleAsync(request, client);

    /// <summary>/api/health: 200 only when storage answers.</summary>
    [Function("Health")]
    public Task<IActionResult> HealthAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/health")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => dispatcher.HandleAsync(request, client);

    /// <summary>/api/circuits: the circuit breakers' shared state.</summary>
    [Function("Circuits")]
    public Task<IActionResult> CircuitsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/circuits")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => dispatcher.HandleAsync(request, client);

    /// <summary>/api/hooks/{workflowId}/{token}: a workflow's webhook, authenticated by its token (and a body signature when configured).</summary>
    [Function("Hooks")]
    public Task<IActionResult> HooksAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/hooks/{workflowId}/{token}")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => dispatcher.HandleAsync(request, client);
}
