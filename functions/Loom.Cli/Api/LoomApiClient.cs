using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Loom.Core.Api.Contracts;

namespace Loom.Cli.Api;

/// <summary>
/// A small client of Loom's HTTP API (<c>/api</c>), the same for the self-hosted server and the Function App. Reads return the
/// API's JSON unchanged so <c>-o json</c> can print it; failures throw <see cref="LoomApiException"/>.
/// </summary>
public sealed class LoomApiClient : IDisposable
{
    /// <summary>The header that carries the key (Azure Functions' convention, which the server follows too).</summary>
    public const string KeyHeader = "x-functions-key";

    private readonly HttpClient _http;

    /// <summary>Creates a client for <paramref name="baseUrl"/> (e.g. http://127.0.0.1:8080) sending <paramref name="key"/> when given.</summary>
    public LoomApiClient(Uri baseUrl, string? key, HttpMessageHandler? handler = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        // A trailing slash keeps a path prefix (an App Service behind a reverse proxy) when relative URIs are resolved.
        _http.BaseAddress = new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/");
        _http.Timeout = timeout ?? TimeSpan.FromSeconds(30);
        if (!string.IsNullOrEmpty(key)) _http.DefaultRequestHeaders.Add(KeyHeader, key);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("loom-cli", typeof(LoomApiClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
        BaseUrl = baseUrl;
    }

    /// <summary>The server's base URL.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Registers a workflow source (YAML or JSON); the answer says whether a new version was stored.</summary>
    public async Task<ApplyResult> ApplyWorkflowAsync(string source, bool json, CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(source, Encoding.UTF8, json ? "application/json" : "application/yaml");
        var body = await SendAsync(HttpMethod.Post, "api/workflows", content, cancellationToken);
        return new ApplyResult(
            body["id"]?.GetValue<string>() ?? "",
            body["version"]?.GetValue<int>() ?? 0,
            body["created"]?.GetValue<bool>() ?? false,
            [.. (body["warnings"] as JsonArray ?? []).Select(w => w?.GetValueKind() == JsonValueKind.String ? w.GetValue<string>() : null).OfType<string>()],
            body);
    }

    /// <summary>GET /api/workflows.</summary>
    public Task<JsonObject> ListWorkflowsAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/workflows", null, cancellationToken);

    /// <summary>GET /api/workflows/{id}: definition, version, next fire times.</summary>
    public Task<JsonObject> GetWorkflowAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"api/workflows/{Segment(id)}", null, cancellationToken);

    /// <summary>DELETE /api/workflows/{id}.</summary>
    public Task<JsonObject> DeleteWorkflowAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"api/workflows/{Segment(id)}", null, cancellationToken);

    /// <summary>POST /api/workflows/{id}/pause or /resume.</summary>
    public Task<JsonObject> SetPausedAsync(string id, bool paused, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"api/workflows/{Segment(id)}/{(paused ? "pause" : "resume")}", null, cancellationToken);

    /// <summary>POST /api/workflows/{id}/webhook/rotate: the workflow's new webhook URL (the old one stops working).</summary>
    public Task<JsonObject> RotateWebhookAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"api/workflows/{Segment(id)}/webhook/rotate", null, cancellationToken);

    /// <summary>POST /api/workflows/{id}/runs with parameters.</summary>
    public async Task<StartedRun> TriggerAsync(string id, JsonObject parameters, CancellationToken cancellationToken = default)
    {
        var body = await SendJsonAsync($"api/workflows/{Segment(id)}/runs", new TriggerRequest((JsonObject)parameters.DeepClone()), LoomJsonContext.Default.TriggerRequest, cancellationToken);
        return new StartedRun(body["runId"]?.GetValue<string>() ?? "", body);
    }

    /// <summary>POST /api/workflows/{id}/backfill over [from, to], at most <paramref name="maxConcurrent"/> runs at once when given.</summary>
    public Task<JsonObject> BackfillAsync(string id, DateTimeOffset from, DateTimeOffset to, int? maxConcurrent = null, CancellationToken cancellationToken = default)
    {
        var body = new BackfillRequest(
            from.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            to.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            maxConcurrent);
        return SendJsonAsync($"api/workflows/{Segment(id)}/backfill", body, LoomJsonContext.Default.BackfillRequest, cancellationToken);
    }

    /// <summary>GET /api/workflows/{id}/stats: the workflow's run statistics since an instant (the server's default: 7 days), with the <paramref name="top"/> slowest tasks.</summary>
    public Task<JsonObject> GetWorkflowStatsAsync(string id, DateTimeOffset? since = null, int? top = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (since is not null) query.Add("since=" + Uri.EscapeDataString(since.Value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)));
        if (top is not null) query.Add("top=" + top.Value.ToString(CultureInfo.InvariantCulture));
        var path = $"api/workflows/{Segment(id)}/stats" + (query.Count == 0 ? "" : "?" + string.Join('&', query));
        return SendAsync(HttpMethod.Get, path, null, cancellationToken);
    }

    /// <summary>GET /api/runs, newest first.</summary>
    public Task<JsonObject> ListRunsAsync(string? workflowId = null, string? status = null, int? limit = null, DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (workflowId is not null) query.Add("workflowId=" + Uri.EscapeDataString(workflowId));
        if (status is not null) query.Add("status=" + Uri.EscapeDataString(status));
        if (limit is not null) query.Add("limit=" + limit.Value.ToString(CultureInfo.InvariantCulture));
        if (since is not null) query.Add("since=" + Uri.EscapeDataString(since.Value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)));
        var path = query.Count == 0 ? "api/runs" : "api/runs?" + string.Join('&', query);
        return SendAsync(HttpMethod.Get, path, null, cancellationToken);
    }

    /// <summary>GET /api/runs/{runId}: the run with every task's state.</summary>
    public Task<JsonObject> GetRunAsync(string runId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"api/runs/{Segment(runId)}", null, cancellationToken);

    /// <summary>
    /// GET /api/runs/{runId}/events?after=N: a page of the events after sequence <paramref name="after"/> (-1 for the start), with
    /// <c>next</c> set while more are stored. A server without paging answers the whole log.
    /// </summary>
    public Task<JsonObject> GetEventsAsync(string runId, long after, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"api/runs/{Segment(runId)}/events?after={after}"), null, cancellationToken);

    /// <summary>
    /// Opens GET /api/runs/{runId}/stream after <paramref name="after"/> (the last event id seen, -1 for all); null when the server
    /// does not stream (the Function App answers 501; an older server has no such route) or the key holds its share of streams (429),
    /// so the caller polls instead.
    /// </summary>
    public async Task<EventStreamConnection?> OpenEventStreamAsync(string runId, long after, CancellationToken cancellationToken = default)
    {
        var path = $"api/runs/{Segment(runId)}/stream";
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (after >= 0) request.Headers.Add("Last-Event-ID", after.ToString(CultureInfo.InvariantCulture));
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new LoomApiException(ApiFailure.Unreachable, null, Describe(ex), inner: ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new LoomApiException(ApiFailure.Unreachable, null, $"no answer within {_http.Timeout.TotalSeconds:0} s", inner: ex);
        }
        if (response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            return new EventStreamConnection(response, await response.Content.ReadAsStreamAsync(cancellationToken));
        }
        using (response)
        {
            // 429: this key holds its share of streams already; polling works as well, a little later.
            if ((int)response.StatusCode is 404 or 405 or 429 or 501 || response.IsSuccessStatusCode) return null;
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            throw Problem(response.StatusCode, TryParse(text) as JsonObject, text, $"GET {new Uri(_http.BaseAddress!, path)}");
        }
    }

    /// <summary>GET /api/runs/{runId}/tasks/{taskId}/attempts.</summary>
    public Task<JsonObject> GetAttemptsAsync(string runId, string taskId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"api/runs/{Segment(runId)}/tasks/{Segment(taskId)}/attempts", null, cancellationToken);

    /// <summary>GET /api/runs/{runId}/tasks/{taskId}/instances: a page of a forEach task's instances in item order.</summary>
    public Task<JsonObject> ListInstancesAsync(string runId, string taskId, int? offset = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (offset is not null) query.Add("offset=" + offset.Value.ToString(CultureInfo.InvariantCulture));
        if (limit is not null) query.Add("limit=" + limit.Value.ToString(CultureInfo.InvariantCulture));
        var path = $"api/runs/{Segment(runId)}/tasks/{Segment(taskId)}/instances" + (query.Count == 0 ? "" : "?" + string.Join('&', query));
        return SendAsync(HttpMethod.Get, path, null, cancellationToken);
    }

    /// <summary>POST /api/runs/{runId}/cancel.</summary>
    public Task<JsonObject> CancelRunAsync(string runId, string? reason = null, CancellationToken cancellationToken = default) =>
        SendJsonAsync($"api/runs/{Segment(runId)}/cancel", new CancelRequest(reason), LoomJsonContext.Default.CancelRequest, cancellationToken);

    /// <summary>POST /api/runs/{runId}/retry: a new run that re-runs only what failed.</summary>
    public async Task<StartedRun> RetryRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        var body = await SendJsonAsync($"api/runs/{Segment(runId)}/retry", new JsonObject(), LoomJsonContext.Default.JsonObject, cancellationToken);
        return new StartedRun(body["runId"]?.GetValue<string>() ?? "", body);
    }

    /// <summary>POST /api/runs/{runId}/redrive: resume a failed or cancelled run in place (every task that did not succeed, or the named ones and their downstream).</summary>
    public Task<JsonObject> RedriveRunAsync(string runId, IReadOnlyList<string>? tasks = null, CancellationToken cancellationToken = default) =>
        SendJsonAsync($"api/runs/{Segment(runId)}/redrive", new RedriveRequest(tasks is { Count: > 0 } ? tasks : null), LoomJsonContext.Default.RedriveRequest, cancellationToken);

    /// <summary>GET /api/deadletters: open dead letters, newest first.</summary>
    public Task<JsonObject> ListDeadLettersAsync(string? workflowId = null, int? limit = null, DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (workflowId is not null) query.Add("workflowId=" + Uri.EscapeDataString(workflowId));
        if (limit is not null) query.Add("limit=" + limit.Value.ToString(CultureInfo.InvariantCulture));
        if (since is not null) query.Add("since=" + Uri.EscapeDataString(since.Value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)));
        return SendAsync(HttpMethod.Get, query.Count == 0 ? "api/deadletters" : "api/deadletters?" + string.Join('&', query), null, cancellationToken);
    }

    /// <summary>GET /api/deadletters/{id}.</summary>
    public Task<JsonObject> GetDeadLetterAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"api/deadletters/{Segment(id)}", null, cancellationToken);

    /// <summary>DELETE /api/deadletters/{id}: acknowledge it.</summary>
    public Task<JsonObject> AcknowledgeDeadLetterAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"api/deadletters/{Segment(id)}", null, cancellationToken);

    /// <summary>GET /api/circuits: every target origin's circuit breaker.</summary>
    public Task<JsonObject> ListCircuitsAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/circuits", null, cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Dispose();
    }

    private static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>POSTs a request record serialized through the API's own contract context.</summary>
    private async Task<JsonObject> SendJsonAsync<T>(string path, T body, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var content = new StringContent(JsonSerializer.Serialize(body, type), Encoding.UTF8, "application/json");
        return await SendAsync(HttpMethod.Post, path, content, cancellationToken);
    }

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        HttpResponseMessage response;
        string text;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new LoomApiException(ApiFailure.Unreachable, null, Describe(ex), inner: ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new LoomApiException(ApiFailure.Unreachable, null, $"no answer within {_http.Timeout.TotalSeconds:0} s", inner: ex);
        }

        using (response)
        {
            var node = TryParse(text);
            if (response.IsSuccessStatusCode)
            {
                return node as JsonObject
                    ?? throw new LoomApiException(ApiFailure.ServerError, (int)response.StatusCode, $"the answer to {method} /{path} is not a JSON object (is {BaseUrl} a Loom server?)");
            }
            throw Problem(response.StatusCode, node as JsonObject, text, $"{method} {new Uri(_http.BaseAddress!, path)}");
        }
    }

    private static LoomApiException Problem(HttpStatusCode status, JsonObject? problem, string raw, string call)
    {
        var code = (int)status;
        if (code == 404 && problem?["title"] is null)
        {
            // Loom answers every unknown id with a problem body; a bare 404 means the URL does not lead to Loom's API.
            return new LoomApiException(ApiFailure.NotFound, code, $"{call} answered 404 without a Loom problem (is --url the base URL of a Loom server?)");
        }
        var title = problem?["title"] is JsonValue t && t.TryGetValue<string>(out var tt) ? tt : null;
        var detail = problem?["detail"] is JsonValue d && d.TryGetValue<string>(out var dd) ? dd : null;
        var errors = new List<ApiValidationError>();
        if (problem?["errors"] is JsonArray list)
        {
            foreach (var e in list.OfType<JsonObject>())
            {
                errors.Add(new ApiValidationError(
                    e["line"] is JsonValue l && l.TryGetValue<int>(out var line) ? line : 0,
                    e["column"] is JsonValue c && c.TryGetValue<int>(out var column) ? column : 0,
                    e["message"] is JsonValue m && m.TryGetValue<string>(out var text) ? text : e.ToJsonString()));
            }
        }
        var message = detail ?? title ?? (raw.Length is > 0 and <= 300 ? raw.Trim() : $"HTTP {code} {status}");
        var failure = code switch
        {
            401 => ApiFailure.Unauthorized,
            403 => ApiFailure.Forbidden,
            404 => ApiFailure.NotFound,
            >= 400 and < 500 => ApiFailure.Rejected,
            _ => ApiFailure.ServerError,
        };
        return new LoomApiException(failure, code, message, title, errors);
    }

    private static JsonNode? TryParse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Describe(HttpRequestException ex)
    {
        // The innermost socket error says what actually happened (refused, unknown host); the outer message repeats the URL.
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket) return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused (is the server running?)",
                SocketError.HostNotFound or SocketError.NoData => "unknown host",
                SocketError.TimedOut => "connection timed out",
                _ => socket.Message,
            };
        }
        return ex.Message;
    }
}
