using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Loom.Core.Api.Contracts;
using Loom.Core.Api.Streaming;
using Loom.Core.Json;

namespace Loom.Core.Api;

/// <summary>
/// Loom's HTTP API, independent of any host: a route table, key checks and the handlers. The self-hosted server and the
/// Function App both hand every /api request to <see cref="HandleAsync"/>, so clients cannot tell them apart.
/// </summary>
public sealed class LoomApi
{
    /// <summary>The route of a run's event stream.</summary>
    public const string StreamRoute = "/api/runs/{runId}/stream";

    private readonly ApiServices _services;
    private readonly IReadOnlyList<Route> _routes;
    private readonly StreamLimiter _streams;

    /// <summary>Creates the API over the host's services.</summary>
    public LoomApi(ApiServices services)
    {
        _services = services;
        _streams = new StreamLimiter(services.Streams.MaxPerKey);
        var workflows = new WorkflowHandlers(services);
        var runs = new RunHandlers(services);
        var deadLetters = new DeadLetterHandlers(services);
        var circuits = new CircuitHandlers(services);
        var stats = new StatsHandlers(services);
        var webhooks = new WebhookHandlers(services);
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
            new("GET", "/api/runs/{runId}/events", ApiRole.Reader, runs.EventsAsync, "The run's event log, or with after or limit one page of it."),
            new("GET", StreamRoute, ApiRole.Reader, _ => Task.FromResult(NoStreaming()), services.CommitSignal is null
                ? "Not on this host (it cannot hold connections open): answers 501; poll GET /api/runs/{runId}/events instead."
                : "The run's events as server-sent events, as they commit; resume with Last-Event-ID; an 'end' event once the run is final."),
            new("GET", "/api/runs/{runId}/tasks/{taskId}/attempts", ApiRole.Reader, runs.AttemptsAsync, "Every HTTP attempt of a task."),
            new("POST", "/api/runs/{runId}/cancel", ApiRole.Operator, runs.CancelAsync, "Cancel a run."),
            new("POST", "/api/runs/{runId}/retry", ApiRole.Operator, runs.RetryAsync, "Start a new run that re-runs only what failed."),
            new("POST", "/api/runs/{runId}/redrive", ApiRole.Operator, runs.RedriveAsync, "Resume a failed or cancelled run in place: the failed (or named) tasks and their downstream run again, succeeded tasks are kept."),
            new("GET", "/api/deadletters", ApiRole.Reader, deadLetters.ListAsync, "Dead letters not acknowledged yet, newest first, filtered and paged."),
            new("GET", "/api/deadletters/{id}", ApiRole.Reader, deadLetters.GetAsync, "One dead letter."),
            new("DELETE", "/api/deadletters/{id}", ApiRole.Operator, deadLetters.AcknowledgeAsync, "Acknowledge a dead letter: it leaves the listing; the record is kept."),
            new("GET", "/api/workflows/{id}/audit", ApiRole.Reader, deadLetters.AuditAsync, "Who did what to a workflow and its runs, newest first."),
            new("POST", "/api/callbacks/{token}", ApiRole.Anonymous, runs.CallbackAsync, "Completion of a callback task (authenticated by its token)."),
            new("GET", "/api/health", ApiRole.Anonymous, HealthAsync, "200 when storage answers."),
            new("GET", "/api/diagnostics", ApiRole.Admin, DiagnosticsAsync, "Process figures of this host: CPU time, memory, storage requests sent."),
            new("GET", "/api/openapi.json", ApiRole.Reader, _ => Task.FromResult(ApiResponse.Ok(OpenApiDocument.Build(_routes!, services))), "This document."),
            new("GET", "/api/circuits", ApiRole.Reader, circuits.ListAsync, "The circuit breaker of every target origin: state, failures in its window, when it opened and when held calls are tried again."),
            new("GET", "/api/workflows/{id}/stats", ApiRole.Reader, stats.GetAsync, "A workflow's run statistics since an instant (default the last 7 days, at most 31): success rate, duration percentiles, retries, slowest tasks."),
            new("POST", "/api/workflows/{id}/webhook/rotate", ApiRole.Admin, webhooks.RotateAsync, "Give the workflow's webhook a new URL; the old one stops working."),
            new("POST", "/api/hooks/{workflowId}/{token}", ApiRole.Anonymous, webhooks.HookAsync, "Start a run from a workflow's webhook URL (authenticated by its token, and by a body signature when the trigger has a signingSecret)."),
            new("GET", "/api/runs/{runId}/tasks/{taskId}/instances", ApiRole.Reader, runs.InstancesAsync, "A page of a forEach task's instances in item order: each one's status, attempt, times and reason."),
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

        if (Refuse(request, match) is { } refused) return refused;

        if (request.Body.Length > _services.Options.MaxBodyBytes)
        {
            return ApiResponse.Problem(413, "Payload too large", $"The body is {request.Body.Length} bytes; the limit is {_services.Options.MaxBodyBytes}.");
        }

        try
        {
            return await match.Handler(new RouteContext(request, values!, cancellationToken) { Caller = CallerName(request, match) });
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

    /// <summary>
    /// Opens <c>GET /api/runs/{runId}/stream</c> for a host that can hold the connection: the same key checks as every read,
    /// the resume position from <c>Last-Event-ID</c> (or the <c>lastEventId</c> query value), the run must exist, and the key
    /// may hold at most <see cref="StreamOptions.MaxPerKey"/> streams. Either a problem to answer with, or the stream to run.
    /// </summary>
    public async Task<(ApiResponse? Problem, RunEventStream? Stream)> OpenStreamAsync(ApiRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var route = _routes.First(r => r.Template == StreamRoute);
        var values = route.Match(request.Path);
        if (values is null || request.Method != "GET") return (ApiResponse.Problem(404, "Not found", $"No API route matches {request.Path}."), null);
        if (Refuse(request, route) is { } refused) return (refused, null);
        if (_services.CommitSignal is not { } signal) return (NoStreaming(), null);
        var runId = values["runId"];
        if (!RunEventCursor.TryParsePosition(request.HeaderValue("Last-Event-ID") ?? request.QueryValue("lastEventId"), out var after))
        {
            return (ApiResponse.Problem(400, "Bad Last-Event-ID", "Last-Event-ID must be the id of an event this stream sent (a whole number)."), null);
        }
        if (await _services.Runs.GetAsync(runId, cancellationToken) is null)
        {
            return (ApiResponse.Problem(404, "Not found", $"No run with id '{runId}'."), null);
        }
        if (_streams.TryAcquire(request) is not { } slot)
        {
            return (ApiResponse.Problem(429, "Too many streams", $"This key holds {_streams.MaxPerKey} event streams open already; close one, or poll GET /api/runs/{{runId}}/events.",
                headers: new Dictionary<string, string> { ["Retry-After"] = "5" }), null);
        }
        return (null, new RunEventStream(runId, after, _services.Events, signal, slot, _services.Streams, _services.Clock));
    }

    private static ApiResponse NoStreaming() => ApiResponse.Problem(501, "Streaming not available",
        "This host cannot hold connections open (the Function App), so it does not stream events. Poll GET /api/runs/{runId}/events?after=N " +
        "(every second) and GET /api/runs/{runId}; loom run watch and the dashboard do so by themselves.");

    /// <summary>401 without a valid key, 403 when its role is below the route's; null when the request may go on.</summary>
    private ApiResponse? Refuse(ApiRequest request, Route route)
    {
        if (route.Role == ApiRole.Anonymous) return null;
        var role = _services.Authorizer.Authorize(request);
        if (role is null)
        {
            return ApiResponse.Problem(401, "Unauthorized", "Send a valid API key in the x-functions-key header (or the code query parameter).",
                headers: new Dictionary<string, string> { ["WWW-Authenticate"] = "ApiKey header=\"x-functions-key\"" });
        }
        return role < route.Role
            ? ApiResponse.Problem(403, "Forbidden", $"This key has the {role.Value.ToString().ToLowerInvariant()} role; {request.Method} {route.Template} needs {route.Role.ToString().ToLowerInvariant()}.")
            : null;
    }

    /// <summary>Who a request acts as, for the audit logs: the configured name of its key (never the key itself).</summary>
    private string CallerName(ApiRequest request, Route route) =>
        route.Role == ApiRole.Anonymous ? "anonymous" : _services.Authorizer.NameOf(request) is { Length: > 0 } name ? name : "unnamed key";

    private Task<ApiResponse> DiagnosticsAsync(RouteContext context) => Task.FromResult(_services.Diagnostics is { } diagnostics
        ? ApiResponse.Ok(diagnostics(), LoomJsonContext.Default.DiagnosticsSnapshot)
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
            ? ApiResponse.Ok(new HealthStatus("healthy", "ok"), LoomJsonContext.Default.HealthStatus)
            : ApiResponse.Json(503, new HealthStatus("unhealthy", "unreachable"), LoomJsonContext.Default.HealthStatus);
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

    /// <summary>The JSON body as its contract record (an empty body reads as <c>{}</c>); anything that does not fit is a 400 naming the field.</summary>
    public T Body<T>(JsonTypeInfo<T> type) => RequestBody.Read(Request.Body.Span, type);

    /// <summary>The configured name of the caller's API key, recorded by every operator and admin action (never the key).</summary>
    public string Caller { get; init; } = "anonymous";

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
