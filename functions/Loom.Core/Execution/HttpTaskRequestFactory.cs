using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Templating;

namespace Loom.Core.Execution;

/// <summary>Builds the HTTP request of a task attempt: renders url, headers and body, adds Loom's headers and the signature.</summary>
/// <remarks>
/// Body rules: the rendered task <c>body</c> when given (a JSON string is sent as raw UTF-8 text, anything else as JSON);
/// otherwise the callback envelope <c>{ runId, workflowId, taskId, attempt, scheduledAt, params, inputs, callbackUrl? }</c>,
/// except for GET and HEAD, which carry no body. A <c>Content-Type</c> set in the task's headers replaces the default one.
/// Loom's headers (<c>X-Loom-*</c>, <c>Idempotency-Key</c>) replace any the task sets with the same name.
/// </remarks>
public static class HttpTaskRequestFactory
{
    /// <summary>The User-Agent sent unless the task sets its own.</summary>
    public const string UserAgent = "Loom/1.0";

    private const string JsonContentType = "application/json; charset=utf-8";
    private const string TextContentType = "text/plain; charset=utf-8";

    // Framing headers belong to the HTTP stack: a task setting them would corrupt the message.
    private static readonly HashSet<string> ManagedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Transfer-Encoding", "Connection", "Upgrade", "TE", "Keep-Alive", "Trailer",
    };

    private static readonly JsonSerializerOptions BodyJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Builds the request for one attempt; template, URL and header errors come back as an Invalid failure.</summary>
    /// <param name="task">The task definition (defaults merged).</param>
    /// <param name="invocation">Run, task and attempt identity, params and upstream outputs.</param>
    /// <param name="scope">What templates may refer to.</param>
    /// <param name="signingKey">HMAC-SHA256 key for <c>X-Loom-Signature</c>; null to send no signature.</param>
    public static RequestBuildResult Create(TaskDefinition task, TaskInvocation invocation, TemplateScope scope, byte[]? signingKey = null)
    {
        var method = task.Method.Trim().ToUpperInvariant();
        if (method.Length == 0 || !method.All(IsTokenChar))
        {
            return RequestBuildResult.Invalid($"task '{task.Id}': '{task.Method}' is not a valid HTTP method");
        }

        // Every secret a template renders is remembered, so whatever is recorded about this request can be redacted.
        var secrets = new RecordingSecrets(scope.Secrets ?? NoSecrets.Instance);
        scope = scope with { Secrets = secrets };
        if (!TryRender(task.Id, "url", () => HttpTaskUrls.Render(task.Url, scope), out var url, out var failure))
        {
            return failure;
        }

        // The message quotes the template, not the rendered URL, which may hold a secret.
        if (HttpTaskUrls.Check(url.Trim()) is not null
            || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.Host.Length == 0)
        {
            return RequestBuildResult.Invalid($"task '{task.Id}': url '{Shorten(task.Url)}' does not render to an absolute http or https URL");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? contentTypeOverride = null;
        foreach (var (name, template) in task.Headers)
        {
            if (name.Length == 0 || !name.All(IsTokenChar))
            {
                return RequestBuildResult.Invalid($"task '{task.Id}': '{name}' is not a valid header name");
            }

            if (ManagedHeaders.Contains(name))
            {
                return RequestBuildResult.Invalid($"task '{task.Id}': header '{name}' is set by Loom's HTTP stack and cannot be set by a task");
            }

            if (!TryRender(task.Id, $"header '{name}'", () => TemplateEngine.Render(template, scope), out var value, out failure))
            {
                return failure;
            }

            if (!value.All(c => c == '\t' || (c >= ' ' && c <= '~')))
            {
                // The value may hold a secret: name the header, never echo the value.
                return RequestBuildResult.Invalid($"task '{task.Id}': header '{name}' contains a line break, control or non-ASCII character");
            }

            if (string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                contentTypeOverride = value;
            }
            else
            {
                headers[name] = value;
            }
        }

        byte[] body;
        string? contentType;
        if (task.Body is not null)
        {
            if (!TryRender(task.Id, "body", () => TemplateEngine.RenderJson(task.Body, scope), out var rendered, out failure))
            {
                return failure;
            }

            if (rendered is JsonValue value && value.TryGetValue<string>(out var text))
            {
                body = Encoding.UTF8.GetBytes(text);
                contentType = TextContentType;
            }
            else
            {
                body = JsonSerializer.SerializeToUtf8Bytes(rendered, BodyJson);
                contentType = JsonContentType;
            }
        }
        else if (method is "GET" or "HEAD")
        {
            body = [];
            contentType = null;
        }
        else
        {
            body = JsonSerializer.SerializeToUtf8Bytes(Envelope(invocation), BodyJson);
            contentType = JsonContentType;
        }

        if (contentType is not null && contentTypeOverride is not null)
        {
            contentType = contentTypeOverride;
        }

        headers["X-Loom-Run-Id"] = invocation.RunId;
        headers["X-Loom-Workflow-Id"] = invocation.WorkflowId;
        headers["X-Loom-Task-Id"] = invocation.TaskId;
        headers["X-Loom-Attempt"] = invocation.Attempt.ToString(CultureInfo.InvariantCulture);
        headers["Idempotency-Key"] = $"{invocation.RunId}:{invocation.TaskId}";
        if (signingKey is not null)
        {
            headers["X-Loom-Signature"] = Sign(signingKey, body);
        }

        headers.TryAdd("User-Agent", UserAgent);

        var summary = SecretRedaction.Redact(Summarize(method, uri), secrets.Used);
        return RequestBuildResult.Success(new PreparedRequest(method, uri, headers, body, contentType, summary) { Secrets = secrets.Used });
    }

    /// <summary>The value of <c>X-Loom-Signature</c> for a body: <c>sha256=</c> and the lowercase hex HMAC-SHA256 of the exact bytes.</summary>
    public static string Sign(byte[] key, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, body));

    /// <summary>
    /// "METHOD scheme://host:port/path?query" for a call Loom built: user info masked, no fragment. Query values stay
    /// readable: they come from the workflow and the run (both shown to readers anyway); secret values rendered into
    /// them are redacted by value by the caller.
    /// </summary>
    public static string Summarize(string method, Uri uri) => $"{method} {DisplayUri(uri, maskQuery: false)}";

    /// <summary>
    /// An absolute URL a backend chose (a redirect's <c>Location</c>) with every query value and any user info replaced
    /// by "***", and no fragment: Loom cannot know which of its values are tokens (a presigned URL's signature, say).
    /// </summary>
    public static string MaskUri(Uri uri) => DisplayUri(uri, maskQuery: true);

    private static string DisplayUri(Uri uri, bool maskQuery)
    {
        if (!uri.IsAbsoluteUri)
        {
            return "***";
        }

        var builder = new StringBuilder(uri.Scheme).Append("://");
        if (uri.UserInfo.Length > 0)
        {
            builder.Append("***@");
        }

        builder.Append(uri.Authority).Append(uri.AbsolutePath);
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0)
        {
            return builder.ToString();
        }

        builder.Append('?');
        if (!maskQuery)
        {
            return builder.Append(query).ToString();
        }

        var first = true;
        foreach (var part in query.Split('&'))
        {
            if (!first)
            {
                builder.Append('&');
            }

            first = false;
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            // A bare item ("?abc123") may itself be a token, so it is masked whole.
            builder.Append(equals < 0 ? "***" : part[..(equals + 1)] + "***");
        }

        return builder.ToString();
    }

    private static JsonObject Envelope(TaskInvocation invocation)
    {
        var inputs = new JsonObject();
        foreach (var (id, output) in invocation.Inputs)
        {
            inputs[id] = output?.DeepClone();
        }

        var envelope = new JsonObject
        {
            ["runId"] = invocation.RunId,
            ["workflowId"] = invocation.WorkflowId,
            ["taskId"] = invocation.TaskId,
            ["attempt"] = invocation.Attempt,
            ["scheduledAt"] = FormatInstant(invocation.ScheduledAt),
            ["params"] = invocation.Params.DeepClone(),
            ["inputs"] = inputs,
        };
        if (invocation.CallbackUrl is not null)
        {
            envelope["callbackUrl"] = invocation.CallbackUrl;
        }

        if (invocation.Index is { } index)
        {
            envelope["item"] = invocation.Item?.DeepClone();
            envelope["index"] = index;
        }

        return envelope;
    }

    /// <summary>ISO-8601 in UTC with a 'Z' and no trailing zero fractions, e.g. 2026-11-22T03:00:00Z.</summary>
    internal static string FormatInstant(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static bool TryRender<T>(string taskId, string what, Func<T> render, out T value, out RequestBuildResult failure)
    {
        try
        {
            value = render();
            failure = null!;
            return true;
        }
        // A render fails on a template error, a missing secret or a value the URL rules refuse (each its own exception
        // type): all of them are a bad definition or input, so the attempt is Invalid rather than a crash of the runner.
        catch (Exception ex)
        {
            value = default!;
            failure = RequestBuildResult.Invalid($"task '{taskId}': cannot render {what}: {ex.Message}");
            return false;
        }
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";

    // RFC 9110 token characters, used for methods and header names.
    private static bool IsTokenChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
