using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Engine;
using Loom.Core.Json;

namespace Loom.Core.Execution;

/// <summary>Sends a <see cref="PreparedRequest"/> and classifies the response into an <see cref="AttemptOutcome"/>.</summary>
/// <remarks>
/// 2xx succeeds; a JSON body <c>{ status: SUCCESS|FAILED|RUNNING, output, message, retryable }</c> refines it (its status
/// wins over the HTTP code: FAILED fails with <see cref="FailureClass.Reported"/>, RUNNING is <see cref="OutcomeKind.Accepted"/>);
/// without that status, 202 is Accepted. The output is the envelope's <c>output</c>, else the whole JSON body, else null
/// (non-JSON text is ignored); it is capped by <see cref="OutputLimit"/>. A body larger than
/// <see cref="ExecutorOptions.MaxResponseBytes"/> is never read to its end. Give the HttpClient an infinite Timeout (or one
/// longer than any task's): the per-attempt timeout is applied here. Use a client built on <see cref="LoomHttpHandler"/>.
/// </remarks>
public sealed class HttpTaskExecutor
{
    private const int MessageBodyChars = 200;

    private readonly HttpClient httpClient;
    private readonly ExecutorOptions options;
    private readonly TimeProvider timeProvider;

    /// <summary>Creates an executor over a client (normally on <see cref="LoomHttpHandler.Create"/>), limits and a clock.</summary>
    public HttpTaskExecutor(HttpClient httpClient, ExecutorOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxResponseBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxOutputBytes, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRedirects);
        this.httpClient = httpClient;
        this.options = options;
        this.timeProvider = timeProvider;
    }

    /// <summary>Runs one attempt; every failure (HTTP, timeout, network, SSRF refusal) is an outcome, not an exception.</summary>
    /// <param name="request">The request built by <see cref="HttpTaskRequestFactory"/>.</param>
    /// <param name="timeout">Limit on this attempt, from sending to the end of the body (positive, or infinite).</param>
    /// <param name="cancellationToken">The caller's cancellation (run cancelled, host stopping).</param>
    /// <exception cref="OperationCanceledException">The caller cancelled; a timeout is an outcome instead.</exception>
    public async Task<AttemptOutcome> ExecuteAsync(PreparedRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        }

        var started = timeProvider.GetTimestamp();
        using var timeoutSource = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        AttemptOutcome outcome;
        try
        {
            outcome = await SendAsync(request, linked.Token);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested)
        {
            // Rethrown with the caller's own token (the one caught carries the linked token) so callers can match it.
            throw new OperationCanceledException("The attempt was cancelled.", ex, cancellationToken);
        }
        catch (Exception ex)
        {
            outcome = ClassifyError(ex, timeoutSource.IsCancellationRequested, timeout);
        }

        return outcome with { Duration = timeProvider.GetElapsedTime(started) };
    }

    private async Task<AttemptOutcome> SendAsync(PreparedRequest request, CancellationToken cancellationToken)
    {
        var current = request;
        for (var hop = 0; ; hop++)
        {
            using var message = CreateMessage(current);
            using var response = await httpClient.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (hop < options.MaxRedirects && Redirect(current, response) is { } next)
            {
                if (next.Refusal is not null)
                {
                    return AttemptOutcome.Fail(FailureClass.ClientError, next.Refusal, (int)response.StatusCode);
                }

                current = next.Request!;
                continue;
            }

            var body = await ReadCappedAsync(response.Content, cancellationToken);
            return Classify(response, body);
        }
    }

    /// <summary>
    /// The request of the next hop; a refusal when the redirect would carry the body to another origin; null when the response is
    /// not a redirect Loom follows.
    /// </summary>
    /// <remarks>
    /// Across origins the next hop carries no body and none of the task's headers (its User-Agent included): only Loom's own
    /// identifying headers. A 307 or 308 (or a 301 or 302 of anything but POST) of a request with a body is therefore not
    /// followed across origins: re-sending the body would hand its rendered secrets and the callback URL to the new origin.
    /// </remarks>
    private static NextHop? Redirect(PreparedRequest current, HttpResponseMessage response)
    {
        var code = (int)response.StatusCode;
        if (code is not (301 or 302 or 303 or 307 or 308) || response.Headers.Location is not { } location)
        {
            return null;
        }

        var target = location.IsAbsoluteUri ? location : new Uri(current.Uri, location);
        if ((target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps)
            || (current.Uri.Scheme == Uri.UriSchemeHttps && target.Scheme == Uri.UriSchemeHttp))
        {
            return null;
        }

        // As browsers and HttpClient do: 303 turns anything but GET/HEAD into GET, 301/302 turn POST into GET.
        var toGet = code switch
        {
            301 or 302 => current.Method == "POST",
            303 => current.Method is not ("GET" or "HEAD"),
            _ => false,
        };
        var sameOrigin = Uri.Compare(current.Uri, target, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0;
        if (!sameOrigin && !toGet && (current.ContentType is not null || !current.Body.IsEmpty))
        {
            return new NextHop(null, current.Redact(
                $"HTTP {code}: redirect to {HttpTaskRequestFactory.MaskUri(target)} not followed: it leaves the origin and would re-send the request body there"));
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in current.Headers)
        {
            // Leaving the origin drops the task's own headers (they may hold secrets); Loom's identify the call anywhere.
            var keep = sameOrigin || name.StartsWith("X-Loom-", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Idempotency-Key", StringComparison.OrdinalIgnoreCase);
            var signature = name.Equals("X-Loom-Signature", StringComparison.OrdinalIgnoreCase);
            if (keep && !(signature && (toGet || !sameOrigin)))
            {
                headers[name] = value;
            }
        }

        // A task's own User-Agent is one of its headers: another origin sees Loom's.
        headers.TryAdd("User-Agent", HttpTaskRequestFactory.UserAgent);
        return new NextHop(toGet
            ? current with { Method = "GET", Uri = target, Headers = headers, Body = ReadOnlyMemory<byte>.Empty, ContentType = null }
            : current with { Uri = target, Headers = headers }, null);
    }

    private static HttpRequestMessage CreateMessage(PreparedRequest request)
    {
        var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Uri)
        {
            // HTTP/3 would go over QUIC, around the SSRF guard's connect callback.
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        if (request.ContentType is not null)
        {
            var content = new ReadOnlyMemoryContent(request.Body);
            content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            message.Content = content;
        }

        foreach (var (name, value) in request.Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }

    private async Task<ResponseBody> ReadCappedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var cap = options.MaxResponseBytes;
        var declared = content.Headers.ContentLength;
        var stream = await content.ReadAsStreamAsync(cancellationToken);
        await using (stream)
        {
            var buffer = new byte[(int)Math.Clamp(declared ?? 16 * 1024, 0, cap)];
            var length = 0;
            while (length < cap)
            {
                if (length == buffer.Length)
                {
                    Array.Resize(ref buffer, (int)Math.Min(cap, Math.Max(buffer.Length * 2L, 4096)));
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    return new ResponseBody(buffer, length, false, length);
                }

                length += read;
            }

            if (declared > cap)
            {
                return new ResponseBody(buffer, length, true, declared.Value);
            }

            // Full at the cap: one more byte tells whether the body goes on; the rest is never read.
            var probe = new byte[1];
            var more = await stream.ReadAsync(probe, cancellationToken);
            return new ResponseBody(buffer, length, more > 0, length + more);
        }
    }

    private AttemptOutcome Classify(HttpResponseMessage response, ResponseBody body)
    {
        var code = (int)response.StatusCode;
        var retryAfter = RetryAfter(response.Headers.RetryAfter);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        string? tooDeep = null;
        var json = body.Truncated ? null : TryParseJson(body.Span, mediaType, out tooDeep);

        if (code is >= 200 and < 300)
        {
            return tooDeep is not null
                ? OutputLimit.Refuse(new AttemptOutcome { Kind = OutcomeKind.Succeeded, StatusCode = code }, tooDeep)
                : ClassifySuccess(code, body, json, mediaType) with { RetryAfter = retryAfter };
        }

        var snippet = Snippet(body.Span);
        var text = snippet.Length == 0 ? $"HTTP {code}" : $"HTTP {code}: {snippet}";
        var (failure, message) = code switch
        {
            >= 300 and < 400 => (FailureClass.ClientError, RedirectMessage(code, Resolve(response), snippet)),
            408 => (FailureClass.RequestTimeout, text),
            429 => (FailureClass.TooManyRequests, text),
            >= 400 and < 500 => (FailureClass.ClientError, text),
            _ => (FailureClass.ServerError, text),
        };
        return AttemptOutcome.Fail(failure, message, code) with
        {
            RetryAfter = retryAfter,
            Retryable = json is JsonObject o ? Flag(o, "retryable") : null,
        };
    }

    private AttemptOutcome ClassifySuccess(int code, ResponseBody body, JsonNode? json, string? mediaType)
    {
        var defaultKind = code == 202 ? OutcomeKind.Accepted : OutcomeKind.Succeeded;
        if (body.Truncated)
        {
            // Nothing can be parsed from a cut body; keep a preview of JSON, ignore text as for small bodies.
            var looksJson = IsJsonMediaType(mediaType) || StartsLikeJson(body.Span);
            return new AttemptOutcome
            {
                Kind = defaultKind,
                StatusCode = code,
                Output = looksJson ? OutputLimit.Marker(body.TotalBytes, body.Span, options.MaxOutputBytes) : null,
                OutputTruncated = looksJson,
                Message = $"response body larger than {options.MaxResponseBytes} bytes; not read to its end",
            };
        }

        var envelope = json is JsonObject o && o["status"] is JsonValue v && v.TryGetValue<string>(out var s)
            && (s.Equals("SUCCESS", StringComparison.OrdinalIgnoreCase)
                || s.Equals("FAILED", StringComparison.OrdinalIgnoreCase)
                || s.Equals("RUNNING", StringComparison.OrdinalIgnoreCase))
            ? (Object: o, Status: s.ToUpperInvariant())
            : default;

        var output = envelope.Object is null ? json : envelope.Object["output"]?.DeepClone();
        var reported = envelope.Object is null ? null : Text(envelope.Object, "message");
        var outcome = envelope.Status switch
        {
            "FAILED" => new AttemptOutcome
            {
                Kind = OutcomeKind.Failed,
                Failure = FailureClass.Reported,
                Retryable = Flag(envelope.Object!, "retryable"),
                Message = $"backend reported FAILED (HTTP {code}){(reported is null ? string.Empty : ": " + Shorten(reported))}",
            },
            "RUNNING" => new AttemptOutcome { Kind = OutcomeKind.Accepted, Message = reported },
            "SUCCESS" => new AttemptOutcome { Kind = OutcomeKind.Succeeded, Message = reported },
            _ => new AttemptOutcome { Kind = defaultKind },
        } with
        {
            StatusCode = code,
            Output = output,
        };
        return OutputLimit.Admit(outcome, options.MaxOutputBytes);
    }

    private static AttemptOutcome ClassifyError(Exception exception, bool timedOut, TimeSpan timeout)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is SsrfRefusedException refused)
            {
                return AttemptOutcome.Fail(FailureClass.Refused, refused.Message);
            }
        }

        // An OperationCanceledException not from the caller is our timeout, or the HttpClient's own Timeout.
        if (timedOut || exception is OperationCanceledException)
        {
            return AttemptOutcome.Fail(FailureClass.Timeout, $"timed out: no complete response within {FormatDuration(timeout)}");
        }

        var detail = exception.InnerException is { } cause && !exception.Message.Contains(cause.Message, StringComparison.Ordinal)
            ? $"{exception.Message} ({cause.Message})"
            : exception.Message;
        return exception switch
        {
            HttpRequestException http => AttemptOutcome.Fail(FailureClass.Network, $"network error ({http.HttpRequestError}): {detail}"),
            IOException => AttemptOutcome.Fail(FailureClass.Network, $"network error while reading the response: {detail}"),
            _ => AttemptOutcome.Fail(FailureClass.Network, $"request failed ({exception.GetType().Name}): {detail}"),
        };
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - timeProvider.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private static Uri? Resolve(HttpResponseMessage response) => response.Headers.Location switch
    {
        null => null,
        { IsAbsoluteUri: true } absolute => absolute,
        var relative when response.RequestMessage?.RequestUri is { } requested => new Uri(requested, relative),
        var relative => relative,
    };

    private string RedirectMessage(int code, Uri? location, string snippet)
    {
        var target = location is null ? "without a Location" : "to " + HttpTaskRequestFactory.MaskUri(location);
        var message = $"HTTP {code}: redirect {target} not followed (at most {options.MaxRedirects} hops, only to http(s), never from https to http)";
        return snippet.Length == 0 ? message : $"{message}: {snippet}";
    }

    /// <summary>The body as JSON, or null when it is not JSON; <paramref name="tooDeep"/> says why when it is JSON nested too deep to keep.</summary>
    private static JsonNode? TryParseJson(ReadOnlySpan<byte> body, string? mediaType, out string? tooDeep)
    {
        tooDeep = null;
        if (body.StartsWith("\uFEFF"u8))
        {
            body = body[3..];
        }

        if (body.IsEmpty || !(IsJsonMediaType(mediaType) || StartsLikeJson(body)))
        {
            return null;
        }

        // The output sits one level down in the envelope { status, output }, or is the whole body.
        var parsed = JsonNesting.Parse(body, envelopeLevels: 1, "the response body");
        tooDeep = parsed.TooDeep ? parsed.Error : null;
        return parsed.Value;
    }

    private static bool IsJsonMediaType(string? mediaType) =>
        mediaType is not null
        && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static bool StartsLikeJson(ReadOnlySpan<byte> body)
    {
        var start = body.IndexOfAnyExcept(" \t\r\n\uFEFF"u8);
        return start >= 0 && body[start] is (byte)'{' or (byte)'[';
    }

    private static bool? Flag(JsonObject body, string name) =>
        body[name] is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : null;

    private static string? Text(JsonObject body, string name) =>
        body[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static string Snippet(ReadOnlySpan<byte> body)
    {
        var text = OutputLimit.Utf8Prefix(body, MessageBodyChars * 4);
        var builder = new StringBuilder(Math.Min(text.Length, MessageBodyChars + 1));
        var space = false;
        foreach (var c in text.Trim())
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = true;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c);
        }

        return Shorten(builder.ToString());
    }

    private static string Shorten(string text) => text.Length <= MessageBodyChars ? text : text[..MessageBodyChars] + "…";

    private static string FormatDuration(TimeSpan duration) =>
        duration == Timeout.InfiniteTimeSpan ? "no limit"
        : duration.TotalSeconds >= 1 && duration.Milliseconds == 0 ? $"{duration.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s"
        : $"{duration.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms";

    /// <summary>The next hop of a redirect, or why it is not followed.</summary>
    private sealed record NextHop(PreparedRequest? Request, string? Refusal);

    /// <summary>The start of a response body as read (at most the cap), whether it went on, and its full size when known.</summary>
    private readonly record struct ResponseBody(byte[] Buffer, int Length, bool Truncated, long TotalBytes)
    {
        public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);
    }
}
