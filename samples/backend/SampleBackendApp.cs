using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Loom.SampleBackend;

/// <summary>One request as the backend saw it.</summary>
/// <param name="Sequence">Arrival order.</param>
/// <param name="ArrivedAt">Arrival time.</param>
/// <param name="Task">The task name from the path.</param>
/// <param name="RunId">X-Loom-Run-Id.</param>
/// <param name="TaskId">X-Loom-Task-Id.</param>
/// <param name="Attempt">X-Loom-Attempt.</param>
/// <param name="IdempotencyKey">Idempotency-Key.</param>
/// <param name="Status">Status code answered.</param>
/// <param name="Body">Request body.</param>
/// <param name="Signature">X-Loom-Signature, if any.</param>
public sealed record ReceivedRequest(long Sequence, DateTimeOffset ArrivedAt, string Task, string? RunId, string? TaskId, int Attempt, string? IdempotencyKey, int Status, string Body, string? Signature);

/// <summary>Everything the backend received, for tests and the benchmark.</summary>
public sealed class RequestLog
{
    private readonly ConcurrentQueue<ReceivedRequest> _items = new();
    private long _sequence;

    /// <summary>Requests in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Items => _items.ToArray();

    /// <summary>Records one request.</summary>
    public void Add(Func<long, ReceivedRequest> create) => _items.Enqueue(create(Interlocked.Increment(ref _sequence)));

    /// <summary>Forgets everything.</summary>
    public void Clear() => _items.Clear();
}

/// <summary>
/// The sample backend. <c>POST /api/tasks/{name}</c> answers like a real task endpoint; query switches shape the answer:
/// <c>failTimes=N</c> (attempts 1..N fail with <c>failStatus</c>, default 503), <c>failCalls=N&amp;key=K</c> (the first N calls with key K fail, across runs), <c>status=CODE</c> (always answer CODE),
/// <c>delayMs=MS</c>, <c>retryAfter=S</c>, <c>mode=callback</c> (answer 202, then POST the result to the callback URL after
/// <c>callbackDelayMs</c>, or never when <c>callbackDelayMs=-1</c>; <c>acceptDelayMs</c> delays the 202 itself), <c>result=FAILED</c> (a 200 whose body says FAILED),
/// <c>bytes=N</c> (an output of about N bytes). <c>GET /requests</c> lists what arrived.
/// </summary>
public static class SampleBackendApp
{
    /// <summary>Builds the app (not started).</summary>
    public static WebApplication Build(string[] args, RequestLog? log = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddHttpClient();
        var app = builder.Build();
        log ??= new RequestLog();
        var clock = TimeProvider.System;
        var callCounts = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);

        app.MapPost("/api/tasks/{name}", async (string name, HttpContext http, IHttpClientFactory clients) =>
        {
            var q = http.Request.Query;
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync(http.RequestAborted);
            var attempt = int.TryParse(http.Request.Headers["X-Loom-Attempt"], CultureInfo.InvariantCulture, out var a) ? a : 1;
            var status = 200;
            IResult result;

            if (Int(q["delayMs"]) is { } delay and > 0)
            {
                try
                {
                    await Task.Delay(delay, http.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return Results.Empty;
                }
            }

            if (Int(q["status"]) is { } fixedStatus)
            {
                status = fixedStatus;
                result = Results.Json(new { message = $"{name} answers {fixedStatus} as asked" }, statusCode: fixedStatus);
                if (Int(q["retryAfter"]) is { } ra) http.Response.Headers.RetryAfter = ra.ToString(CultureInfo.InvariantCulture);
            }
            else if (Int(q["failTimes"]) is { } failTimes && attempt <= failTimes)
            {
                status = Int(q["failStatus"]) ?? 503;
                if (Int(q["retryAfter"]) is { } ra) http.Response.Headers.RetryAfter = ra.ToString(CultureInfo.InvariantCulture);
                result = Results.Json(new { message = $"{name} fails attempt {attempt} of the first {failTimes}" }, statusCode: status);
            }
            else if (Int(q["failCalls"]) is { } failCalls
                && callCounts.AddOrUpdate($"{name}|{q["key"]}", 1, (_, n) => n + 1) <= failCalls)
            {
                status = Int(q["failStatus"]) ?? 503;
                result = Results.Json(new { message = $"{name} fails its first {failCalls} call(s) for key '{q["key"]}'" }, statusCode: status);
            }
            else if (q["mode"] == "callback")
            {
                status = 202;
                var callbackUrl = JsonNode.Parse(body)?["callbackUrl"]?.GetValue<string>();
                var callbackDelay = Int(q["callbackDelayMs"]) ?? 200;
                if (callbackUrl is not null && callbackDelay >= 0)
                {
                    _ = Task.Run(async () =>
                    {
                        await Task.Delay(callbackDelay);
                        using var client = clients.CreateClient();
                        var payload = JsonSerializer.Serialize(new { status = q["callbackResult"].ToString() is { Length: > 0 } r ? r : "SUCCESS", output = new { task = name, via = "callback" } });
                        using var content = new StringContent(payload, System.Text.Encoding.UTF8, "application/json");
                        try
                        {
                            await client.PostAsync(callbackUrl, content);
                        }
                        catch (HttpRequestException)
                        {
                            // The orchestrator is gone; a real backend would retry, the sample just gives up.
                        }
                    });
                }
                // acceptDelayMs holds the 202 back, so the callback can arrive before the acceptance does (as with a fast backend).
                if (Int(q["acceptDelayMs"]) is { } acceptDelay and > 0) await Task.Delay(acceptDelay);
                result = Results.Json(new { status = "RUNNING", message = $"{name} accepted; result will be posted to the callback URL" }, statusCode: 202);
            }
            else if (q["result"] == "FAILED")
            {
                result = Results.Json(new { status = "FAILED", message = $"{name} reports a failure", retryable = q["retryable"] == "true" });
            }
            else
            {
                var output = new JsonObject { ["task"] = name, ["attempt"] = attempt, ["at"] = clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) };
                if (Int(q["bytes"]) is { } bytes and > 0) output["data"] = new string('x', bytes);
                if (name == "fetch-data") output["rows"] = 42;
                if (name == "extract") output["records"] = new JsonArray(1, 2, 3);
                result = Results.Json(new { status = "SUCCESS", output });
            }

            log.Add(seq => new ReceivedRequest(seq, clock.GetUtcNow(), name, http.Request.Headers["X-Loom-Run-Id"], http.Request.Headers["X-Loom-Task-Id"], attempt,
                http.Request.Headers["Idempotency-Key"], status, body, http.Request.Headers["X-Loom-Signature"]));
            return result;
        });

        app.MapGet("/requests", () => Results.Json(log.Items));
        app.MapDelete("/requests", () =>
        {
            log.Clear();
            return Results.NoContent();
        });
        app.MapGet("/", () => Results.Text("Loom sample backend: POST /api/tasks/{name}; GET /requests\n"));
        return app;
    }

    private static int? Int(Microsoft.Extensions.Primitives.StringValues value) =>
        int.TryParse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;
}
