using System.Text.Json;
using System.Text.Json.Nodes;

namespace Loom.Core.Api;

/// <summary>
/// Loom's HTTP API, independent of any host: a route table, key checks and the handlers. The self-hosted server and the
/// Function App both hand every /api request to <see cref="HandleAsync"/>, so clients cannot tell them apart.
/// </summary>
public sealed class LoomApi
{
    private readonly ApiServices _services;
    private readonly IReadOnlyList<Route> _routes;

    /// <summary>Creates the API over the host's services.</summary>
    public LoomApi(ApiServices services)
    {
        _services = services;
        var workflows = new WorkflowHandlers(services);
        var runs = new RunHandlers(services);
        _routes =
        [
            new("POST", "/api/workflows", ApiRole.Admin, workflows.RegisterAsync, "Register a workflow (YAML or JSON); a new version when the content changed."),
            new("POST", "/api/workflows/validate", ApiRole.Reader, workflows.ValidateAsync, "Validate a workflow without registering it."),
            new("GET", "/api/workflows", ApiRole.Reader, workflows.ListAsync, "List workflows with schedule, next fire time and last run."),
            new("GET", "/api/workflows/{id}", ApiRole.Reader, workflows.GetAsync, "A workflow's definition, version and next fire times."),
            new("DELETE", "/api/workflows/{id}", ApiRole.Admin, workflows.DeleteAsync, "Stop scheduling a workflow; its history is kept."),
            new("GET", "/api/workflows/{id}/versions", ApiRole.Reader, workflows.ListVersionsAsync, "All versions of a workflow."),
            new("GET", "/api/workflows/{id}/versions/{version}", ApiRole.Reader, workflows.GetVersionAsync, "One version's source."),
            new("POST", "/api/workflows/{id}/pause", ApiRole.Operator, r => workflows.SetPausedAsync(r, true), "Pause scheduling."),
            new("POST", "/api/workflows/{id}/resume", ApiRole.Operator, r => workflows.SetPausedAsync(r, false), "Resume scheduling."),
            new("POST", "/api/workflows/{id}/runs", ApiRole.Operator, runs.TriggerAsync, "Start a run with parameters."),
            new("POST", "/api/workflows/{id}/backfill", ApiRole.Operator, runs.BackfillAsync, "Start the runs of every occurrence in a time range, at most maxConcurrent at once when given."),
            new("DELETE", "/api/workflows/{id}/backfill", ApiRole.Operator, runs.CancelBackfillAsync, "Drop the occurrences a backfill has not started yet; its runs continue."),
            new("GET", "/api/runs", ApiRole.Reader, runs.ListAsync, "List runs, newest first, filtered and paged."),
            new("GET", "/api/runs/{runId}", ApiRole.Reader, runs.GetAsync, "A run with the state of every task."),
            new("GET", "/api/runs/{runId}/events", ApiRole.Reader, runs.EventsAsync, "The run's event log."),
            new("GET", "/api/runs/{runId}/tasks/{taskId}/attempts", ApiRole.Reader, runs.AttemptsAsync, "Every HTTP attempt of a task."),
            new("POST", "/api/runs/{runId}/cancel", ApiRole.Operator, runs.CancelAsync, "Cancel a run."),
            new("POST", "/api/runs/{runId}/retry", ApiRole.Operator, runs.RetryAsync, "Start a new run that re-runs only what failed."),
            new("POST", "/api/callbacks/{token}", ApiRole.Anonymous, runs.CallbackAsync, "Completion of a callback task (authenticated by its token)."),
            new("GET", "/api/health", ApiRole.Anonymous, HealthAsync, "200 when storage answers."),
            new("GET", "/api/diagnostics", ApiRole.Admin, DiagnosticsAsync, "Process figures of this host: CPU time, memory, storage requests sent."),
            new("GET", "/api/openapi.json", ApiRole.Reader, _ => Task.FromResult(ApiResponse.Ok(OpenApiDocument.Build(_routes!))), "This document."),
        ];

        // Diagnostics are host-specific (the self-hosted server offers them; the Function App has Application Insights and
        // no such route): a host without them neither routes nor documents the path, so every documented route answers.
        if (services.Diagnostics is null) _routes = [.. _routes.Where(r => r.Template != "/api/diagnostics")];
    }

    /// <summary>The routes, for hosts that register them one by one and for the OpenAPI document.</summary>
    public IReadOnlyList<Route> Routes => _routes;

    /// <summary>Handles one request: route, authorize, run the handler; never throws for bad input.</summary>
    public async Task<ApiResponse> HandleAsync(ApiRequest request, CancellationToken cancellationToken = default)
    {
        Route? match = null;
        Dictionary<string, string>? values = null;
        var pathExists = false;
        foreach (var route in _routes)
        {
            var v = route.Match(request.Path);
            if (v is null) continue;
            pathExists = true;
            if (route.Method != request.Method) continue;
            match = route;
            values = v;
            break;
        }

        if (match is null)
        {
            return pathExists
                ? ApiResponse.Problem(405, "Method not allowed", $"{request.Method} is not allowed on {request.Path}.")
                : ApiResponse.Problem(404, "Not found", $"No API route matches {request.Path}.");
        }

        if (match.Role != ApiRole.Anonymous)
        {
            var role = _services.Authorizer.Authorize(request);
            if (role is null)
            {
                return ApiResponse.Problem(401, "Unauthorized", "Send a valid API key in the x-functions-key header (or the code query parameter).",
                    headers: new Dictionary<string, string> { ["WWW-Authenticate"] = "ApiKey header=\"x-functions-key\"" });
            }
            if (role < match.Role)
            {
                return ApiResponse.Problem(403, "Forbidden", $"This key has the {role.Value.ToString().ToLowerInvariant()} role; {request.Method} {match.Template} needs {match.Role.ToString().ToLowerInvariant()}.");
            }
        }

        if (request.Body.Length > _services.Options.MaxBodyBytes)
        {
            return ApiResponse.Problem(413, "Payload too large", $"The body is {request.Body.Length} bytes; the limit is {_services.Options.MaxBodyBytes}.");
        }

        try
        {
            return await match.Handler(new RouteContext(request, values!, cancellationToken));
        }
        catch (ApiProblemException problem)
        {
            return problem.Response;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            _services.OnError?.Invoke(ex, request);
            return ApiResponse.Problem(500, "Internal error", "Loom failed to handle this request; the error is in the server's log.");
        }
    }

    private Task<ApiResponse> DiagnosticsAsync(RouteContext context) => Task.FromResult(_services.Diagnostics is { } diagnostics
        ? ApiResponse.Ok(diagnostics())
        : ApiResponse.Problem(404, "Not found", "This host offers no diagnostics."));

    private async Task<ApiResponse> HealthAsync(RouteContext context)
    {
        bool healthy;
        try
        {
            healthy = await _services.StorageHealthy(context.CancellationToken);
        }
        catch (Exception)
        {
            healthy = false;
        }
        return healthy
            ? ApiResponse.Ok(new JsonObject { ["status"] = "healthy", ["storage"] = "ok" })
            : ApiResponse.Json(503, new JsonObject { ["status"] = "unhealthy", ["storage"] = "unreachable" });
    }
}

/// <summary>A request matched to a route, with its path values.</summary>
/// <param name="Request">The request.</param>
/// <param name="Values">Path values by name (decoded).</param>
/// <param name="CancellationToken">Cancelled when the client goes away or the host stops.</param>
public sealed record RouteContext(ApiRequest Request, IReadOnlyDictionary<string, string> Values, CancellationToken CancellationToken)
{
    /// <summary>A path value.</summary>
    public string this[string name] => Values[name];

    /// <summary>The body parsed as a JSON object; an empty body is an empty object; anything else is a 400.</summary>
    public JsonObject BodyObject()
    {
        if (Request.Body.IsEmpty || Request.Body.Span.Trim((byte)' ').IsEmpty) return [];
        JsonNode? node;
        try
        {
            // Duplicate names are refused while parsing: JsonObject would otherwise throw on first access, deep in a handler.
            node = JsonNode.Parse(Request.Body.Span, documentOptions: new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            throw new ApiProblemException(ApiResponse.Problem(400, "Malformed JSON", $"The body is not valid JSON: {ex.Message}"));
        }
        return node as JsonObject ?? throw new ApiProblemException(ApiResponse.Problem(400, "Malformed JSON", "The body must be a JSON object."));
    }
}

/// <summary>One API route.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Template">Path template with {name} segments.</param>
/// <param name="Role">Least role allowed.</param>
/// <param name="Handler">The handler.</param>
/// <param name="Summary">One line for the OpenAPI document.</param>
public sealed record Route(string Method, string Template, ApiRole Role, Func<RouteContext, Task<ApiResponse>> Handler, string Summary)
{
    private readonly string[] _segments = Template.Trim('/').Split('/');

    /// <summary>Path values when <paramref name="path"/> matches the template, else null.</summary>
    public Dictionary<string, string>? Match(string path)
    {
        var parts = path.Trim('/').Split('/');
        if (parts.Length != _segments.Length) return null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < parts.Length; i++)
        {
            var segment = _segments[i];
            if (segment.StartsWith('{'))
            {
                var value = Uri.UnescapeDataString(parts[i]);
                if (value.Length == 0) return null;
                values[segment[1..^1]] = value;
            }
            else if (!string.Equals(segment, parts[i], StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
        }
        return values;
    }
}

/// <summary>Thrown inside a handler to answer with a problem response.</summary>
public sealed class ApiProblemException(ApiResponse response) : Exception(response.Body?["detail"]?.GetValue<string>() ?? "API problem")
{
    /// <summary>The problem response.</summary>
    public ApiResponse Response { get; } = response;
}
