using System.Text.Json.Nodes;
using Loom.Core.Api;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
using Loom.Core.Stores;
using Loom.Core.Templating;
using Microsoft.AspNetCore.Http;

namespace Loom.Core.Tests.Execution;

/// <summary>One attempt end to end against a real Kestrel backend: what is recorded about it, and when it is not sent at all.</summary>
public sealed class TaskAttemptRunnerTests : IClassFixture<BackendFixture>, IDisposable
{
    private const string PathSecret = "s3cr3t-PATH-value";

    private readonly BackendFixture backend;
    private readonly HttpClient client;

    public TaskAttemptRunnerTests(BackendFixture backend)
    {
        this.backend = backend;
        client = new HttpClient(LoomHttpHandler.Create(new SsrfGuardOptions { AllowLoopback = true })) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public void Dispose() => client.Dispose();

    [Fact]
    public async Task AttemptAsync_SecretInUrlPath_NeitherSummaryNorMessageHoldsIt()
    {
        var name = nameof(AttemptAsync_SecretInUrlPath_NeitherSummaryNorMessageHoldsIt);
        // The backend redirects to the very URL it was called on, secret included, until Loom gives up.
        backend.Handle(name, context =>
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = context.Request.Path + context.Request.QueryString;
            return Task.CompletedTask;
        });
        var url = $"{backend.BaseUri}h/{name}/p/${{{{ secrets.PATHSECRET }}}}/x";

        var (outcome, record) = await Runner(new Dictionary<string, string> { ["PATHSECRET"] = PathSecret }).AttemptAsync(Input(url), CancellationToken.None);

        Assert.Equal(FailureClass.ClientError, outcome.Failure);
        Assert.True(backend.Hits(name) > 1);
        Assert.DoesNotContain(PathSecret, record.RequestSummary, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(PathSecret, outcome.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(PathSecret, record.Error ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"/h/{name}/p/***/x", record.RequestSummary, StringComparison.Ordinal);
        Assert.Contains("/p/***/x", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AttemptAsync_SigningSecretNotConfigured_FailsWithoutCalling()
    {
        var name = nameof(AttemptAsync_SigningSecretNotConfigured_FailsWithoutCalling);
        backend.Handle(name, context => context.Response.WriteAsync("{}"));

        var (outcome, record) = await Runner([]).AttemptAsync(Input($"{backend.BaseUri}h/{name}") with { SigningSecret = "HOOK_KEY" }, CancellationToken.None);

        Assert.Equal(OutcomeKind.Failed, outcome.Kind);
        Assert.Equal(FailureClass.Invalid, outcome.Failure);
        Assert.Contains("signing secret 'HOOK_KEY' is not configured on this host", outcome.Message, StringComparison.Ordinal);
        Assert.Equal("invalid", record.Outcome);
        Assert.Equal(0, backend.Hits(name));
    }

    [Fact]
    public async Task AttemptAsync_SigningSecretConfigured_Signed()
    {
        var name = nameof(AttemptAsync_SigningSecretConfigured_Signed);
        var signature = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Handle(name, context =>
        {
            signature.TrySetResult(context.Request.Headers["X-Loom-Signature"].ToString());
            return context.Response.WriteAsync("{}");
        });

        var (outcome, _) = await Runner(new Dictionary<string, string> { ["HOOK_KEY"] = "k" }).AttemptAsync(Input($"{backend.BaseUri}h/{name}") with { SigningSecret = "HOOK_KEY" }, CancellationToken.None);

        Assert.Equal(OutcomeKind.Succeeded, outcome.Kind);
        Assert.StartsWith("sha256=", await signature.Task, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AttemptAsync_RunWithATrace_SendsTheAttemptSpanAsTraceparentUnderItsTaskSpan()
    {
        var name = nameof(AttemptAsync_RunWithATrace_SendsTheAttemptSpanAsTraceparentUnderItsTaskSpan);
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Handle(name, context =>
        {
            received.TrySetResult(context.Request.Headers["traceparent"].ToString());
            return context.Response.WriteAsync("{}");
        });
        using var capture = new Telemetry.SpanCapture();
        var trace = new Loom.Core.Engine.RunTrace(System.Diagnostics.ActivityTraceId.CreateRandom().ToHexString(), System.Diagnostics.ActivitySpanId.CreateRandom().ToHexString());

        var (outcome, _) = await Runner([]).AttemptAsync(Input($"{backend.BaseUri}h/{name}") with { Trace = trace }, CancellationToken.None);

        Assert.Equal(OutcomeKind.Succeeded, outcome.Kind);
        var parts = (await received.Task).Split('-');
        var span = Assert.Single(capture.InTrace(trace.TraceId));
        Assert.Equal(["00", trace.TraceId, span.SpanId.ToHexString(), "01"], parts);
        Assert.Equal(trace.TaskSpanId("t"), span.ParentSpanId.ToHexString());
        Assert.Equal("attempt t", span.DisplayName);
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
    }

    [Fact]
    public async Task AttemptAsync_RedrivenTask_ParentsTheAttemptOnTheRedrivesTaskSpan()
    {
        var name = nameof(AttemptAsync_RedrivenTask_ParentsTheAttemptOnTheRedrivesTaskSpan);
        backend.Handle(name, context => context.Response.WriteAsync("{}"));
        using var capture = new Telemetry.SpanCapture();
        var trace = new Loom.Core.Engine.RunTrace(System.Diagnostics.ActivityTraceId.CreateRandom().ToHexString(), System.Diagnostics.ActivitySpanId.CreateRandom().ToHexString());

        await Runner([]).AttemptAsync(Input($"{backend.BaseUri}h/{name}") with { Trace = trace, AttemptBase = 3 }, CancellationToken.None);

        var span = Assert.Single(capture.InTrace(trace.TraceId));
        Assert.Equal(trace.TaskSpanId("t", 3), span.ParentSpanId.ToHexString());
        Assert.NotEqual(trace.TaskSpanId("t"), span.ParentSpanId.ToHexString());
    }

    private TaskAttemptRunner Runner(Dictionary<string, string> secrets) => new(
        new HttpTaskExecutor(client, new ExecutorOptions(), TimeProvider.System),
        new ConfiguredSecrets(secrets),
        new CallbackUrls("http://loom", new CallbackTokens(new byte[32])),
        TimeProvider.System);

    private static InvokeTaskInput Input(string url) => new(
        RunId: "run-1",
        WorkflowId: "wf",
        WorkflowVersion: 1,
        TaskId: "t",
        Attempt: 1,
        ScheduledAt: ExecutionTestData.ScheduledAt,
        Params: [],
        Inputs: new Dictionary<string, JsonNode?>(),
        Outputs: new Dictionary<string, JsonNode?>(),
        Task: new TaskDefinition { Id = "t", Url = url, Retry = new RetryPolicy { MaxAttempts = 1 } },
        SigningSecret: null);
}
