using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Notifications;
using Loom.Core.Templating;
using Loom.Core.Tests.Execution;
using Microsoft.AspNetCore.Http;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.Notifications;

/// <summary>The sender against a real Kestrel receiver on 127.0.0.1: body, signature, id, retries and the SSRF guard.</summary>
public sealed class NotificationSenderTests(BackendFixture backend) : IClassFixture<BackendFixture>, IDisposable
{
    private const string Secret = "notify-signing-secret";
    private static readonly NotificationOptions Fast = new() { DashboardBaseUrl = "https://loom.example.com/", Retry = new(4, TimeSpan.FromMilliseconds(10), 2.0, TimeSpan.FromMilliseconds(50)) };
    private readonly HttpClient _loopback = new(LoomHttpHandler.Create(new SsrfGuardOptions { AllowLoopback = true })) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly HttpClient _guarded = new(LoomHttpHandler.Create(new SsrfGuardOptions())) { Timeout = Timeout.InfiniteTimeSpan };

    public void Dispose()
    {
        _loopback.Dispose();
        _guarded.Dispose();
    }

    private static NotificationSender Sender(HttpClient client) =>
        new(new HttpTaskExecutor(client, new ExecutorOptions(), TimeProvider.System), new ConfiguredSecrets(new Dictionary<string, string> { ["HOOKS"] = Secret }), Fast, TimeProvider.System);

    /// <summary>The input of a failed run's onFailure notification to <paramref name="url"/>.</summary>
    private static NotificationInput FailedRun(string url, string? signingSecret = "HOOKS")
    {
        var wf = Workflow(Task("extract"), Task("load", "extract")) with { Id = "nightly", Notify = new NotifySpec { OnFailure = [url] }, SigningSecret = signingSecret };
        var state = Start(wf, out _, "nightly-run-7");
        state = RunStateMachine.Apply(wf, state, Err("extract", at: 2)).State;
        return NotificationInput.For(wf, state, state.Notices![0]);
    }

    private Uri Receiver(string name, ConcurrentQueue<(Dictionary<string, string> Headers, byte[] Body)> received, params int[] answers)
    {
        var calls = 0;
        return backend.Handle(name, async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            // Kestrel reuses a request's header collection once it is answered: copied.
            received.Enqueue((context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), buffer.ToArray()));
            var i = Interlocked.Increment(ref calls) - 1;
            context.Response.StatusCode = i < answers.Length ? answers[i] : 200;
        });
    }

    [Fact]
    public async Task Send_SignedBodyWithIdAndSlackText()
    {
        var received = new ConcurrentQueue<(Dictionary<string, string> Headers, byte[] Body)>();
        var url = Receiver("signed", received).ToString();

        var delivery = Assert.Single(await Sender(_loopback).SendAsync(FailedRun(url), CancellationToken.None));

        Assert.True(delivery.Sent, delivery.Detail);
        Assert.Equal(($"http://127.0.0.1:{backend.Port}", "HTTP 200"), (delivery.Target, delivery.Detail));
        var (headers, body) = Assert.Single(received);
        Assert.Equal("nightly-run-7:failure", headers[NotificationSender.IdHeader]);
        Assert.Equal("nightly-run-7:failure", headers["Idempotency-Key"]);
        Assert.Equal("failure", headers[NotificationSender.EventHeader]);
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), body)), headers[NotificationSender.SignatureHeader]);
        Assert.StartsWith("application/json", headers["Content-Type"], StringComparison.Ordinal);
        var json = JsonNode.Parse(body)!;
        Assert.Equal(("nightly-run-7:failure", "failure", "nightly-run-7", "nightly", "failed"),
            (json["id"]!.GetValue<string>(), json["outcome"]!.GetValue<string>(), json["runId"]!.GetValue<string>(), json["workflowId"]!.GetValue<string>(), json["status"]!.GetValue<string>()));
        Assert.Equal("task extract failed: HTTP 500: boom", json["reason"]!.GetValue<string>());
        var failed = Assert.Single(json["failedTasks"]!.AsArray())!;
        Assert.Equal(("extract", 1), (failed["taskId"]!.GetValue<string>(), failed["attempts"]!.GetValue<int>()));
        Assert.Equal("https://loom.example.com/#/runs/nightly-run-7", json["dashboardUrl"]!.GetValue<string>());
        Assert.Equal("Loom: run nightly-run-7 of workflow nightly failed: task extract failed: HTTP 500: boom https://loom.example.com/#/runs/nightly-run-7", json["text"]!.GetValue<string>());
        Assert.NotNull(json["finishedAt"]);
    }

    [Fact]
    public async Task Send_ServiceUnavailableFirst_RetriedWithTheSameIdAndBody()
    {
        var received = new ConcurrentQueue<(Dictionary<string, string> Headers, byte[] Body)>();
        var url = Receiver("flaky", received, 503, 503).ToString();

        var delivery = Assert.Single(await Sender(_loopback).SendAsync(FailedRun(url), CancellationToken.None));

        Assert.True(delivery.Sent, delivery.Detail);
        Assert.Equal("HTTP 200 (try 3)", delivery.Detail);
        Assert.Equal(3, received.Count);
        Assert.Single(received.Select(r => r.Headers[NotificationSender.IdHeader]).Distinct());
        Assert.Single(received.Select(r => Convert.ToHexString(r.Body)).Distinct());
    }

    [Fact]
    public async Task Send_AlwaysUnavailable_FailsAfterItsTries_ClientErrorAtOnce()
    {
        var down = Receiver("down", new(), 503, 503, 503, 503, 503).ToString();
        var refused = Receiver("refuses", new(), 400).ToString();

        var deliveries = await Sender(_loopback).SendAsync(FailedRun(down) with { Urls = [down, refused] }, CancellationToken.None);

        Assert.Equal((false, "HTTP 503 (try 4)"), (deliveries[0].Sent, deliveries[0].Detail[..8] + deliveries[0].Detail[^8..]));
        Assert.Equal(4, backend.Hits("down"));
        Assert.False(deliveries[1].Sent);
        Assert.Equal(1, backend.Hits("refuses"));
    }

    [Fact]
    public async Task Send_LoopbackNotAllowed_RefusedBySsrfGuard_NotRetried()
    {
        var url = Receiver("guarded", new()).ToString();

        var (delivery, retryable) = await Sender(_guarded).TryOnceAsync(FailedRun(url), url, CancellationToken.None);

        Assert.False(delivery.Sent);
        Assert.False(retryable);
        Assert.Contains("SSRF guard", delivery.Detail, StringComparison.Ordinal);
        Assert.Equal(0, backend.Hits("guarded"));
    }

    [Fact]
    public async Task Send_SigningSecretMissing_NotSentUnsigned()
    {
        var url = Receiver("unsigned", new()).ToString();

        var delivery = Assert.Single(await Sender(_loopback).SendAsync(FailedRun(url, signingSecret: "NOT_CONFIGURED_HOOKS"), CancellationToken.None));

        Assert.False(delivery.Sent);
        Assert.Contains("'NOT_CONFIGURED_HOOKS' is not configured", delivery.Detail, StringComparison.Ordinal);
        Assert.Equal(0, backend.Hits("unsigned"));
    }

    [Fact]
    public async Task TryForActivity_ServerError_ThrowsForDurableToRetry()
    {
        var url = Receiver("activity", new(), 500).ToString();
        var input = FailedRun(url);

        await Assert.ThrowsAsync<NotificationUndeliveredException>(() => Sender(_loopback).TryForActivityAsync(input, CancellationToken.None));
        Assert.True((await Sender(_loopback).TryForActivityAsync(input, CancellationToken.None)).Sent);
    }

    [Fact]
    public void Body_SlaMissOfATask_NamesTheTaskAndTheSla()
    {
        var wf = Workflow(Task("load") with { Sla = TimeSpan.FromMinutes(2) }) with { Notify = new NotifySpec { OnSlaMiss = ["http://hooks/sla"] } };
        var state = Start(wf, out _);
        state = RunStateMachine.Apply(wf, state, new TimerFired(TimerPurpose.Sla, "load", 0, At(120))).State;

        var body = new NotificationSender(null!, null!, new NotificationOptions(), TimeProvider.System).Body(NotificationInput.For(wf, state, state.Notices![0]));

        Assert.Equal(("slaMiss", "running", "load", "2m", null), (body.Outcome, body.Status, body.TaskId, body.Sla, body.DashboardUrl));
        Assert.Equal("Loom: task load of run run-1 of workflow wf is still running after its sla of 2m", body.Text);
    }
}
