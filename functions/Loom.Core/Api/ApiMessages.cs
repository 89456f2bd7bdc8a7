using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Loom.Core.Api.Contracts;

namespace Loom.Core.Api;

/// <summary>A host-neutral HTTP request as the API sees it; each host maps its own request type to this.</summary>
/// <param name="Method">HTTP method, upper case.</param>
/// <param name="Path">Path starting with /api, not decoded beyond what the host did.</param>
/// <param name="Query">Query string values (the first of each name).</param>
/// <param name="Headers">Request headers, case-insensitive names.</param>
/// <param name="Body">Raw body bytes (already bounded by the host's limit).</param>
/// <param name="ContentType">The Content-Type header, if any.</param>
public sealed record ApiRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Query,
    IReadOnlyDictionary<string, string> Headers,
    ReadOnlyMemory<byte> Body,
    string? ContentType)
{
    /// <summary>Builds a request with case-insensitive header and query lookups.</summary>
    public static ApiRequest Create(string method, string path, IEnumerable<KeyValuePair<string, string>>? query = null, IEnumerable<KeyValuePair<string, string>>? headers = null, ReadOnlyMemory<byte> body = default, string? contentType = null)
    {
        var q = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in query ?? []) q.TryAdd(k, v);
        var h = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in headers ?? []) h.TryAdd(k, v);
        return new ApiRequest(method.ToUpperInvariant(), path, q, h, body, contentType);
    }

    /// <summary>A query value, or null.</summary>
    public string? QueryValue(string name) => Query.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    /// <summary>A header value, or null.</summary>
    public string? HeaderValue(string name) => Headers.TryGetValue(name, out var v) && v.Length > 0 ? v : null;
}

/// <summary>A host-neutral HTTP response: status, JSON body (or raw text), headers.</summary>
/// <param name="Status">HTTP status code.</param>
/// <param name="Body">JSON body, or null for none.</param>
/// <param name="Headers">Extra headers (Location, Retry-After...).</param>
/// <param name="ContentType">Content type of the body.</param>
public sealed record ApiResponse(int Status, JsonNode? Body, IReadOnlyDictionary<string, string> Headers, string ContentType = "application/json")
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();

    /// <summary>A JSON response.</summary>
    public static ApiResponse Json(int status, JsonNode? body, IReadOnlyDictionary<string, string>? headers = null) => new(status, body, headers ?? NoHeaders);

    /// <summary>A JSON response of a contract record, serialized through <see cref="LoomJsonContext"/>.</summary>
    public static ApiResponse Json<T>(int status, T body, JsonTypeInfo<T> type, IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, JsonSerializer.SerializeToNode(body, type), headers ?? NoHeaders);

    /// <summary>200 with a JSON body.</summary>
    public static ApiResponse Ok(JsonNode? body) => Json(200, body);

    /// <summary>200 with a contract record.</summary>
    public static ApiResponse Ok<T>(T body, JsonTypeInfo<T> type) => Json(200, body, type);

    /// <summary>An RFC 9457 problem details response.</summary>
    public static ApiResponse Problem(int status, string title, string? detail = null, IReadOnlyList<WorkflowError>? errors = null, IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, JsonSerializer.SerializeToNode(new ApiProblem($"https://loom.dev/problems/{status}", title, status, detail, errors), LoomJsonContext.Default.ApiProblem),
            headers ?? NoHeaders, "application/problem+json");
}

/// <summary>What a key may do. Each role includes the ones below it.</summary>
public enum ApiRole
{
    /// <summary>No key needed (health, callbacks authenticated by their token).</summary>
    Anonymous = 0,

    /// <summary>Read workflows, runs, attempts and events.</summary>
    Reader = 1,

    /// <summary>Trigger, cancel, retry, pause, resume, backfill.</summary>
    Operator = 2,

    /// <summary>Register and delete workflows.</summary>
    Admin = 3,
}
