using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Loom.SampleBackend;

/// <summary>One request as the backend saw it.</summary>
/// <param name="Sequence">Arrival order.</param>
/// <param name="ArrivedAt">Arrival time (before any delay the switches ask for).</param>
/// <param name="Task">The task name from the path.</param>
/// <param name="RunId">X-Loom-Run-Id.</param>
/// <param name="TaskId">X-Loom-Task-Id.</param>
/// <param name="Attempt">X-Loom-Attempt.</param>
/// <param name="IdempotencyKey">Idempotency-Key.</param>
/// <param name="Status">Status code answered.</param>
/// <param name="Body">Request body.</param>
/// <param name="Signature">X-Loom-Signature, if any.</param>
/// <param name="TraceParent">The W3C traceparent header, if any (a backend's own spans would be its children).</param>
public sealed record ReceivedRequest(long Sequence, DateTimeOffset ArrivedAt, string Task, string? RunId, string? TaskId, int Attempt, string? IdempotencyKey, int Status, string Body, string? Signature,
    string? TraceParent = null)
{
    /// <summary>Calls of the same run and task name in flight at the backend when this one arrived, itself included.</summary>
    public int InFlight { get; init; }
}

/// <summary>A fault the backend's chaos switch injects.</summary>
public enum ChaosFault
{
    /// <summary>No fault: the request is answered normally.</summary>
    None,

    /// <summary>503 Service Unavailable.</summary>
    ServerError,

    /// <summary>No answer until the caller gives up (its timeout).</summary>
    Timeout,

    /// <summary>The connection is aborted without an answer.</summary>
    Reset,
}

/// <summary>Chaos rates in percent (their sum at most 100).</summary>
/// <param name="ServerErrorPercent">Share of attempts answered 503.</param>
/// <param name="TimeoutPercent">Share of attempts left hanging.</param>
/// <param name="ResetPercent">Share of attempts whose connection is reset.</param>
public sealed record ChaosRates(int ServerErrorPercent, int TimeoutPercent, int ResetPercent);

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
/// <c>bytes=N</c> (an output of about N bytes), <c>redirect=URL</c> (answer 307 to URL), <c>chaos=SEED</c> (a fault chosen by
/// <see cref="ChaosFor"/> from the seed, run, task and attempt: 5xx, a hang past the caller's timeout, or a connection reset;
/// rates in percent by <c>chaos5xx</c>, <c>chaosTimeout</c>, <c>chaosReset</c>, defaults 30, 10, 5; a hang lasts <c>chaosHangMs</c>,
/// default 10000), <c>items=N</c> (an output whose <c>items</c> is the list 0..N-1) or <c>list=1,0,2</c> (that list of numbers), for forEach tasks.
/// In the log, a hang is status 0 and a reset status -1; each request notes how many calls of its run and task were in flight. <c>GET /requests</c> lists what arrived.
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
        var inFlight = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);

        app.MapPost("/api/tasks/{name}", async (string name, HttpContext http, IHttpClientFactory clients) =>
        {
            // Counted for the whole handler, so a test can check that Loom never has more calls in flight than it allows.
            var flightKey = $"{http.Request.Headers["X-Loom-Run-Id"]}|{name}";
            var flying = inFlight.AddOrUpdate(flightKey, 1, (_, n) => n + 1);
            try
            {
                return await HandleAsync(name, http, clients, flying);
            }
            finally
            {
                inFlight.AddOrUpdate(flightKey, 0, (_, n) => n - 1);
            }
        });

        async Task<IResult> HandleAsync(string name, HttpContext http, IHttpClientFactory clients, int flying)
        {
            // Stamped on arrival, before any delay, so a call can be placed against events (a crash) while it was in flight.
            var arrivedAt = clock.GetUtcNow();
            var q = http.Request.Query;
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync(http.RequestAborted);
            var attempt = int.TryParse(http.Request.Headers["X-Loom-Attempt"], CultureInfo.InvariantCulture, out var a) ? a : 1;
            var status = 200;
            IResult result;

            if (Int(q["chaos"]) is { } seed)
            {
                var rates = new ChaosRates(Int(q["chaos5xx"]) ?? 30, Int(q["chaosTimeout"]) ?? 10, Int(q["chaosReset"]) ?? 5);
                var fault = ChaosFor(seed, http.Request.Headers["X-Loom-Run-Id"].ToString(), http.Request.Headers["X-Loom-Task-Id"].ToString(), attempt, rates);
                if (fault != ChaosFault.None)
                {
                    var answered = fault switch { ChaosFault.ServerError => 503, ChaosFault.Timeout => 0, _ => -1 };
                    log.Add(seq => new ReceivedRequest(seq, arrivedAt, name, http.Request.Headers["X-Loom-Run-Id"], http.Request.Headers["X-Loom-Task-Id"], attempt,
                        http.Request.Headers["Idempotency-Key"], answered, body, http.Request.Headers["X-Loom-Signature"], http.Request.Headers["traceparent"]));
                    switch (fault)
                    {
                        case ChaosFault.ServerError:
                            return Results.Json(new { message = $"{name}: chaos fault (503) for attempt {attempt}" }, statusCode: 503);
                        case ChaosFault.Timeout:
                            try
                            {
                                await Task.Delay(Int(q["chaosHangMs"]) ?? 10_000, http.RequestAborted);
                            }
                            catch (OperationCanceledException)
                            {
                                // The caller gave up, as intended.
                            }
                            return Results.Empty;
                        default:
                            http.Abort();
                            return Results.Empty;
                    }
                }
            }

            if (q["redirect"].ToString() is { Length: > 0 } location)
            {
                log.Add(seq => new ReceivedRequest(seq, arrivedAt, name, http.Request.Headers["X-Loom-Run-Id"], http.Request.Headers["X-Loom-Task-Id"], attempt,
                    http.Request.Headers["Idempotency-Key"], 307, body, http.Request.Headers["X-Loom-Signature"], http.Request.Headers["traceparent"]));
                http.Response.Headers.Location = location;
                return Results.StatusCode(307);
            }

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
                if (Int(q["items"]) is { } count and >= 0) output["items"] = new JsonArray([.. Enumerable.Range(0, count).Select(i => (JsonNode?)i)]);
                if (q["list"].ToString() is { Length: > 0 } list) output["items"] = new JsonArray([.. list.Split(',').Select(i => (JsonNode?)(Int(i) ?? 0))]);
                result = Results.Json(new { status = "SUCCESS", output });
            }

            log.Add(seq => new ReceivedRequest(seq, arrivedAt, name, http.Request.Headers["X-Loom-Run-Id"], http.Request.Headers["X-Loom-Task-Id"], attempt,
                http.Request.Headers["Idempotency-Key"], status, body, http.Request.Headers["X-Loom-Signature"], http.Request.Headers["traceparent"]) { InFlight = flying });
            return result;
        }

        app.MapGet("/requests", () => Results.Json(log.Items));
        app.MapDelete("/requests", () =>
        {
            log.Clear();
            return Results.NoContent();
        });
        app.MapGet("/", () => Results.Text("Loom sample backend: POST /api/tasks/{name}; GET /requests\n"));
        return app;
    }

    /// <summary>The fault <c>chaos=SEED</c> injects into one attempt: a deterministic function of its arguments, so tests can predict every outcome.</summary>
    public static ChaosFault ChaosFor(int seed, string runId, string taskId, int attempt, ChaosRates rates)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{seed}|{runId}|{taskId}|{attempt}")));
        var roll = (int)(BinaryPrimitives.ReadUInt32LittleEndian(hash) % 100);
        if (roll < rates.ServerErrorPercent) return ChaosFault.ServerError;
        roll -= rates.ServerErrorPercent;
        if (roll < rates.TimeoutPercent) return ChaosFault.Timeout;
        roll -= rates.TimeoutPercent;
        return roll < rates.ResetPercent ? ChaosFault.Reset : ChaosFault.None;
    }

    private static int? Int(Microsoft.Extensions.Primitives.StringValues value) =>
        int.TryParse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;
}
