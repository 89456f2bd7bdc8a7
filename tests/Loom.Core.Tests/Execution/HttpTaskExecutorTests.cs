using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Microsoft.AspNetCore.Http;
using static Loom.Core.Tests.Execution.ExecutionTestData;

namespace Loom.Core.Tests.Execution;

public sealed class HttpTaskExecutorTests : IClassFixture<BackendFixture>, IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private readonly BackendFixture backend;
    private readonly HttpClient client;
    private readonly HttpTaskExecutor executor;

    public HttpTaskExecutorTests(BackendFixture backend)
    {
        this.backend = backend;
        client = new HttpClient(LoomHttpHandler.Create(new SsrfGuardOptions { AllowLoopback = true })) { Timeout = Timeout.InfiniteTimeSpan };
        executor = new HttpTaskExecutor(client, new ExecutorOptions(), TimeProvider.System);
    }

    public void Dispose() => client.Dispose();

    [Fact]
    public async Task ExecuteAsync_Envelope_ServerReceivesEnvelopeHeadersAndValidSignature()
    {
        var key = Encoding.UTF8.GetBytes("signing-secret");
        var (url, received) = Capture(nameof(ExecuteAsync_Envelope_ServerReceivesEnvelopeHeadersAndValidSignature));

        var outcome = await executor.ExecuteAsync(Prepare(url, signingKey: key), Generous, CancellationToken.None);

        Assert.Equal(OutcomeKind.Succeeded, outcome.Kind);
        var (method, headers, body) = await received.Task;
        Assert.Equal("POST", method);
        Assert.Equal("run-42:process", headers["Idempotency-Key"]);
        Assert.Equal("run-42", headers["X-Loom-Run-Id"]);
        Assert.Equal("daily-report", headers["X-Loom-Workflow-Id"]);
        Assert.Equal("process", headers["X-Loom-Task-Id"]);
        Assert.Equal("1", headers["X-Loom-Attempt"]);
        Assert.Equal("Loom/1.0", headers["User-Agent"]);
        Assert.Equal("application/json; charset=utf-8", headers["Content-Type"]);
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, body)), headers["X-Loom-Signature"]);
        var envelope = JsonNode.Parse(body)!;
        Assert.Equal("run-42", (string?)envelope["runId"]);
        Assert.Equal(3, (int?)envelope["inputs"]!["fetch_data"]!["rows"]);
    }

    [Fact]
    public async Task ExecuteAsync_CustomBody_ServerReceivesExactBody()
    {
        var (url, received) = Capture(nameof(ExecuteAsync_CustomBody_ServerReceivesExactBody));

        await executor.ExecuteAsync(Prepare(url, "PUT", JsonNode.Parse("""{"report":"daily"}""")), Generous, CancellationToken.None);

        var request = await received.Task;
        Assert.Equal("PUT", request.Method);
        Assert.Equal("""{"report":"daily"}""", Encoding.UTF8.GetString(request.Body));
    }

    [Fact]
    public async Task ExecuteAsync_PlainJson200_SucceedsWithWholeBodyAsOutput()
    {
        var url = Respond(nameof(ExecuteAsync_PlainJson200_SucceedsWithWholeBodyAsOutput), 200, """{"rows":12,"status":"ok"}""");

        var outcome = await Execute(url);

        Assert.Equal(OutcomeKind.Succeeded, outcome.Kind);
        Assert.Equal(FailureClass.None, outcome.Failure);
        Assert.Equal(200, outcome.StatusCode);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"rows":12,"status":"ok"}"""), outcome.Output));
        Assert.False(outcome.OutputTruncated);
    }

    [Fact]
    public async Task ExecuteAsync_Text200_SucceedsWithNullOutput()
    {
        var url = Respond(nameof(ExecuteAsync_Text200_SucceedsWithNullOutput), 200, "all good", "text/plain");

        var outcome = await Execute(url);

        Assert.Equal(OutcomeKind.Succeeded, outcome.Kind);
        Assert.Null(outcome.Output);
    }

    [Fact]
    public async Task ExecuteAsync_EnvelopeSuccess_OutputIsEnvelopeOutput()
    {
        var url = Respond(nameof(ExecuteAsync_EnvelopeSuccess_OutputIsEnvelopeOutput), 200, """{"status":"SUCCESS","output":{"file":"a.csv"},"message":"done"}""");

        var outcome = await Execute(url);

        Assert.Equal(OutcomeKind.Succeeded, outcome.Kind);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"file":"a.csv"}"""), outcome.Output));
        Assert.Equal("done", outcome.Message);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public async Task ExecuteAsync_EnvelopeFailed_ReportedWithBackendRetryable(string retryable, bool expected)
    {
        var url = Respond($"{nameof(ExecuteAsync_EnvelopeFailed_ReportedWithBackendRetryable)}-{retryable}", 200,
            $$$"""{"status":"FAILED","message":"quota exhausted","retryable":{{{retryable}}},"output":{"code":7}}""");

        var outcome = await Execute(url);

        Assert.Equal(OutcomeKind.Failed, outcome.Kind);
        Assert.Equal(FailureClass.Reported, outcome.Failure);
        Assert.Equal(expected, outcome.Retryable);
        Assert.Equal(200, outcome.StatusCode);
        Assert.Contains("quota exhausted", outcome.Message, StringComparison.Ordinal);
        Assert.Equal(7, (int?)outcome.Output?["code"]);
    }

    [Fact]
    public async Task ExecuteAsync_EnvelopeRunning_Accepted()
    {
        var url = Respond(nameof(ExecuteAsync_EnvelopeRunning_Accepted), 200, """{"status":"RUNNING","message":"queued"}""");

        var outcome = await Execute(url);

        Assert.Equal(OutcomeKind.Accepted, outcome.Kind);
        Assert.Equal(FailureClass.None, outcome.Failure);
        Assert.Equal("queued", outcome.Message);
    }

    [Fact]
    public async Task ExecuteAsync_202_Accepted()
    {
        var url = Respond(nameof(ExecuteAsync_202_Accepted), 202, "");

        var outcome = await Execute(url);

        Assert.Equal(OutcomeKind.Accepted, outcome.Kind);
        Assert.Equal(202, outcome.StatusCode);
    }

    [Theory]
    [InlineData(500, FailureClass.ServerError)]
    [InlineData(503, FailureClass.ServerError)]
    [InlineData(429, FailureClass.TooManyRequests)]
    [InlineData(408, FailureClass.RequestTimeout)]
    [InlineData(400, FailureClass.ClientError)]
    [InlineData(404, FailureClass.ClientError)]
    public async Task ExecuteAsync_ErrorStatus_ClassifiedWithStatusAndBodyInMessage(int status, FailureClass expected)
    {
        var url = Respond($"{nameof(ExecuteAsync_ErrorStatus_ClassifiedWithStatusAndBodyInMessage)}-{status}", status, "backend says no", "text/plain");

        var outcome = await Execute(url);

        Assert.Equal(OutcomeKind.Failed, outcome.Kind);
        Assert.Equal(expected, outcome.Failure);
        Assert.Equal(status, outcome.StatusCode);
        Assert.Equal($"HTTP {status}: backend says no", outcome.Message);
        Assert.Null(outcome.RetryAfter);
    }

    [Fact]
    public async Task ExecuteAsync_ErrorWithJsonRetryable_CarriesRetryable()
    {
        var url = Respond(nameof(ExecuteAsync_ErrorWithJsonRetryable_CarriesRetryable), 500, """{"message":"bad config","retryable":false}""");

        var outcome = await Execute(url);

        Assert.Equal(FailureClass.ServerError, outcome.Failure);
        Assert.False(outcome.Retryable);
    }

    [Fact]
    public async Task ExecuteAsync_LongErrorBody_MessageKeepsFirst200Chars()
    {
        var body = new string('x', 5000);
        var url = Respond(nameof(ExecuteAsync_LongErrorBody_MessageKeepsFirst200Chars), 500, body, "text/plain");

        var outcome = await Execute(url);

        Assert.Equal($"HTTP 500: {new string('x', 200)}…", outcome.Message);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    public async Task ExecuteAsync_RetryAfterSeconds_RetryAfterSet(int status)
    {
        var url = backend.Handle($"{nameof(ExecuteAsync_RetryAfterSeconds_RetryAfterSet)}-{status}", context =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.RetryAfter = "7";
            return Task.CompletedTask;
        });

        var outcome = await Execute(url);

        Assert.Equal(TimeSpan.FromSeconds(7), outcome.RetryAfter);
    }

    [Fact]
    public async Task ExecuteAsync_RetryAfterHttpDate_RelativeToInjectedClock()
    {
        var url = backend.Handle(nameof(ExecuteAsync_RetryAfterHttpDate_RelativeToInjectedClock), context =>
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "Thu, 01 Jan 2026 00:02:00 GMT";
            return Task.CompletedTask;
        });
        var clocked = new HttpTaskExecutor(client, new ExecutorOptions(), new FixedClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));

        var outcome = await clocked.ExecuteAsync(Prepare(url), Generous, CancellationToken.None);

        Assert.Equal(FailureClass.TooManyRequests, outcome.Failure);
        Assert.Equal(TimeSpan.FromMinutes(2), outcome.RetryAfter);
    }

    [Fact]
    public async Task ExecuteAsync_Any_DurationFromInjectedTimestamps()
    {
        var url = Respond(nameof(ExecuteAsync_Any_DurationFromInjectedTimestamps), 200, "{}");
        var clocked = new HttpTaskExecutor(client, new ExecutorOptions(), new SteppingClock(TimeSpan.FromSeconds(3)));

        var outcome = await clocked.ExecuteAsync(Prepare(url), Generous, CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(3), outcome.Duration);
    }

    [Fact]
    public async Task ExecuteAsync_SlowEndpoint_Timeout()
    {
        var url = backend.Handle(nameof(ExecuteAsync_SlowEndpoint_Timeout), HangUntilAborted(null));

        var outcome = await executor.ExecuteAsync(Prepare(url), TimeSpan.FromMilliseconds(300), CancellationToken.None);

        Assert.Equal(OutcomeKind.Failed, outcome.Kind);
        Assert.Equal(FailureClass.Timeout, outcome.Failure);
        Assert.Null(outcome.StatusCode);
        Assert.Contains("300 ms", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_CallerCancels_ThrowsOperationCanceled()
    {
        var entered = new TaskCompletionSource();
        var url = backend.Handle(nameof(ExecuteAsync_CallerCancels_ThrowsOperationCanceled), HangUntilAborted(entered));
        using var cancellation = new CancellationTokenSource();

        var attempt = executor.ExecuteAsync(Prepare(url), Generous, cancellation.Token);
        await entered.Task;
        await cancellation.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => attempt);
        Assert.Equal(cancellation.Token, error.CancellationToken);
    }

    [Fact]
    public async Task ExecuteAsync_ConnectionRefused_Network()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var outcome = await Execute(new Uri($"http://127.0.0.1:{port}/task"));

        Assert.Equal(OutcomeKind.Failed, outcome.Kind);
        Assert.Equal(FailureClass.Network, outcome.Failure);
        Assert.Contains("refused", outcome.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ExecuteAsync_5MiBResponse_CappedAndNotReadToItsEnd()
    {
        const int declared = 5 * 1024 * 1024;
        var dropped = new TaskCompletionSource();
        var url = backend.Handle(nameof(ExecuteAsync_5MiBResponse_CappedAndNotReadToItsEnd), async context =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = declared;
            var chunk = Encoding.ASCII.GetBytes("[\"" + new string('a', 64 * 1024 - 2));
            await context.Response.Body.WriteAsync(chunk);
            chunk = Encoding.ASCII.GetBytes(new string('a', 64 * 1024));
            for (var i = 1; i < 16; i++)
            {
                await context.Response.Body.WriteAsync(chunk);
            }

            await context.Response.Body.FlushAsync();
            // The remaining 4 MiB are only sent if the client keeps reading; a client that reads it all would time out.
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                dropped.TrySetResult();
            }
        });

        var outcome = await Execute(url);

        Assert.Equal(OutcomeKind.Succeeded, outcome.Kind);
        Assert.True(outcome.OutputTruncated);
        Assert.Equal(true, (bool?)outcome.Output?["truncated"]);
        Assert.Equal(declared, (long?)outcome.Output?["bytes"]);
        var preview = (string?)outcome.Output?["preview"];
        Assert.NotNull(preview);
        Assert.StartsWith("[\"aaaa", preview, StringComparison.Ordinal);
        Assert.InRange(preview.Length, 1, OutputLimit.MaxPreviewBytes);
        await dropped.Task.WaitAsync(Generous);
    }

    [Fact]
    public async Task ExecuteAsync_OversizedChunkedResponse_TruncatedWithLowerBound()
    {
        var url = backend.Handle(nameof(ExecuteAsync_OversizedChunkedResponse_TruncatedWithLowerBound), async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("[" + new string('1', 1000) + "]");
        });
        var small = new HttpTaskExecutor(client, new ExecutorOptions { MaxResponseBytes = 100, MaxOutputBytes = 50 }, TimeProvider.System);

        var outcome = await small.ExecuteAsync(Prepare(url), Generous, CancellationToken.None);

        Assert.True(outcome.OutputTruncated);
        Assert.Equal(101, (long?)outcome.Output?["bytes"]);
        Assert.Equal("[" + new string('1', 24), (string?)outcome.Output?["preview"]);
    }

    [Fact]
    public async Task ExecuteAsync_OutputOverOutputCap_ReplacedByMarker()
    {
        var big = $$$"""{"status":"SUCCESS","output":{"blob":"{{{new string('z', 100 * 1024)}}}"}}""";
        var url = Respond(nameof(ExecuteAsync_OutputOverOutputCap_ReplacedByMarker), 200, big);

        var outcome = await Execute(url);

        Assert.Equal(OutcomeKind.Succeeded, outcome.Kind);
        Assert.True(outcome.OutputTruncated);
        Assert.Equal(100 * 1024 + 11, (long?)outcome.Output?["bytes"]);
        Assert.StartsWith("{\"blob\":\"zzz", (string?)outcome.Output?["preview"], StringComparison.Ordinal);
        Assert.Equal(OutputLimit.MaxPreviewBytes, ((string?)outcome.Output?["preview"])?.Length);
    }

    [Fact]
    public async Task ExecuteAsync_RedirectToLoopback_Followed()
    {
        var target = Respond(nameof(ExecuteAsync_RedirectToLoopback_Followed) + "-target", 200, """{"moved":true}""");
        var url = backend.Handle(nameof(ExecuteAsync_RedirectToLoopback_Followed), context =>
        {
            context.Response.StatusCode = 307;
            context.Response.Headers.Location = target.ToString();
            return Task.CompletedTask;
        });

        var outcome = await Execute(url);

        Assert.Equal(OutcomeKind.Succeeded, outcome.Kind);
        Assert.Equal(true, (bool?)outcome.Output?["moved"]);
    }

    [Fact]
    public async Task ExecuteAsync_RedirectLoop_ClientErrorAfterMaxHops()
    {
        var name = nameof(ExecuteAsync_RedirectLoop_ClientErrorAfterMaxHops);
        var url = backend.Handle(name, context =>
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = $"/h/{name}?token=secret";
            return Task.CompletedTask;
        });

        var outcome = await Execute(url);

        Assert.Equal(FailureClass.ClientError, outcome.Failure);
        Assert.Equal(302, outcome.StatusCode);
        Assert.Contains($"redirect to {backend.BaseUri}h/{name}?token=***", outcome.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", outcome.Message, StringComparison.Ordinal);
        Assert.Equal(new ExecutorOptions().MaxRedirects + 1, backend.Hits(name));
    }

    [Fact]
    public async Task ExecuteAsync_307SameOrigin_KeepsMethodBodyAndTaskHeaders()
    {
        var (target, received) = Capture(nameof(ExecuteAsync_307SameOrigin_KeepsMethodBodyAndTaskHeaders) + "-target");
        var url = RedirectTo(nameof(ExecuteAsync_307SameOrigin_KeepsMethodBodyAndTaskHeaders), 307, target);
        var request = Prepare(url, body: JsonNode.Parse("""{"a":1}"""), headers: new Dictionary<string, string> { ["X-Api-Key"] = "k1" });

        var outcome = await executor.ExecuteAsync(request, Generous, CancellationToken.None);

        Assert.Equal(OutcomeKind.Succeeded, outcome.Kind);
        var hop = await received.Task;
        Assert.Equal("POST", hop.Method);
        Assert.Equal("""{"a":1}""", Encoding.UTF8.GetString(hop.Body));
        Assert.Equal("k1", hop.Headers["X-Api-Key"]);
    }

    [Fact]
    public async Task ExecuteAsync_303_FollowedAsGetWithoutBody()
    {
        var (target, received) = Capture(nameof(ExecuteAsync_303_FollowedAsGetWithoutBody) + "-target");
        var url = RedirectTo(nameof(ExecuteAsync_303_FollowedAsGetWithoutBody), 303, target);

        await executor.ExecuteAsync(Prepare(url, signingKey: [1, 2, 3]), Generous, CancellationToken.None);

        var hop = await received.Task;
        Assert.Equal("GET", hop.Method);
        Assert.Empty(hop.Body);
        Assert.False(hop.Headers.ContainsKey("X-Loom-Signature"));
        Assert.Equal("run-42:process", hop.Headers["Idempotency-Key"]);
    }

    [Fact]
    public async Task ExecuteAsync_302PostToOtherOrigin_GetWithLoomHeadersOnly()
    {
        var name = nameof(ExecuteAsync_302PostToOtherOrigin_GetWithLoomHeadersOnly);
        var (target, received) = Capture(name + "-target");
        var url = RedirectTo(name, 302, OtherOrigin(target));
        var headers = new Dictionary<string, string> { ["Authorization"] = "Bearer secret", ["X-Api-Key"] = "k1", ["User-Agent"] = "team-agent secret" };
        var request = Prepare(url, signingKey: Encoding.UTF8.GetBytes("k"), headers: headers);

        var outcome = await executor.ExecuteAsync(request, Generous, CancellationToken.None);

        Assert.Equal(OutcomeKind.Succeeded, outcome.Kind);
        var hop = await received.Task;
        Assert.Equal("GET", hop.Method);
        Assert.Empty(hop.Body);
        Assert.False(hop.Headers.ContainsKey("Authorization"));
        Assert.False(hop.Headers.ContainsKey("X-Api-Key"));
        Assert.False(hop.Headers.ContainsKey("X-Loom-Signature"));
        Assert.Equal(HttpTaskRequestFactory.UserAgent, hop.Headers["User-Agent"]);
        Assert.Equal("run-42:process", hop.Headers["Idempotency-Key"]);
        Assert.Equal("process", hop.Headers["X-Loom-Task-Id"]);
    }

    [Theory]
    [InlineData(307)]
    [InlineData(308)]
    public async Task ExecuteAsync_BodyRedirectedToOtherOrigin_NotFollowed(int status)
    {
        var name = nameof(ExecuteAsync_BodyRedirectedToOtherOrigin_NotFollowed) + status;
        var (target, _) = Capture(name + "-target");
        var url = RedirectTo(name, status, OtherOrigin(target));
        // A callback task's envelope: its body holds the callback URL, which must not reach another origin.
        var request = HttpTaskRequestFactory.Create(TaskDef(url.ToString()), Invocation(callbackUrl: "http://loom/api/callbacks/tok"), Scope()).Request!;

        var outcome = await executor.ExecuteAsync(request, Generous, CancellationToken.None);

        Assert.Equal(FailureClass.ClientError, outcome.Failure);
        Assert.Equal(status, outcome.StatusCode);
        Assert.Contains("leaves the origin and would re-send the request body", outcome.Message, StringComparison.Ordinal);
        Assert.Equal(0, backend.Hits(name + "-target"));
    }

    [Fact]
    public async Task ExecuteAsync_307GetToOtherOrigin_FollowedWithoutTaskHeaders()
    {
        var name = nameof(ExecuteAsync_307GetToOtherOrigin_FollowedWithoutTaskHeaders);
        var (target, received) = Capture(name + "-target");
        var url = RedirectTo(name, 307, OtherOrigin(target));
        var request = Prepare(url, "GET", headers: new Dictionary<string, string> { ["X-Api-Key"] = "k1", ["User-Agent"] = "team-agent" });

        var outcome = await executor.ExecuteAsync(request, Generous, CancellationToken.None);

        Assert.Equal(OutcomeKind.Succeeded, outcome.Kind);
        var hop = await received.Task;
        Assert.Equal("GET", hop.Method);
        Assert.False(hop.Headers.ContainsKey("X-Api-Key"));
        Assert.Equal(HttpTaskRequestFactory.UserAgent, hop.Headers["User-Agent"]);
    }

    // localhost is another origin than 127.0.0.1, though the same server.
    private static Uri OtherOrigin(Uri target) => new UriBuilder(target) { Host = "localhost" }.Uri;

    private (Uri Url, TaskCompletionSource<ReceivedRequest> Received) Capture(string name)
    {
        var received = new TaskCompletionSource<ReceivedRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        var url = backend.Handle(name, async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            // Kestrel reuses its header collection after the request: keep a copy.
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            received.TrySetResult(new ReceivedRequest(context.Request.Method, headers, buffer.ToArray()));
            await context.Response.WriteAsync("{}");
        });
        return (url, received);
    }

    private Uri RedirectTo(string name, int status, Uri target) => backend.Handle(name, context =>
    {
        context.Response.StatusCode = status;
        context.Response.Headers.Location = target.ToString();
        return Task.CompletedTask;
    });

    private Task<AttemptOutcome> Execute(Uri url) => executor.ExecuteAsync(Prepare(url), Generous, CancellationToken.None);

    private Uri Respond(string name, int status, string body, string contentType = "application/json") =>
        backend.Handle(name, async context =>
        {
            context.Response.StatusCode = status;
            if (body.Length > 0)
            {
                context.Response.ContentType = contentType;
                await context.Response.WriteAsync(body);
            }
        });

    private static RequestDelegate HangUntilAborted(TaskCompletionSource? entered) => async context =>
    {
        entered?.TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The client went away, which is what these tests expect.
        }
    };
}

/// <summary>What the backend received.</summary>
public sealed record ReceivedRequest(string Method, Dictionary<string, string> Headers, byte[] Body);
