using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Api;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Json;
using Loom.Core.Orchestration;
using Microsoft.AspNetCore.Http;
using static Loom.Core.Tests.Engine.EngineTestKit;
using static Loom.Core.Tests.Execution.ExecutionTestData;

namespace Loom.Core.Tests.Execution;

/// <summary>
/// Outputs are admitted the same way whichever path they come by (a response or a callback): one size cap, one nesting limit.
/// An output nested 62 levels deep once passed the parser and then failed every write of the run's state, wedging the run.
/// </summary>
public sealed class OutputAdmissionTests(BackendFixture backend) : IClassFixture<BackendFixture>
{
    [Theory]
    [InlineData(62)]
    [InlineData(63)]
    [InlineData(JsonNesting.MaxDepth + 1)]
    public async Task ExecuteAsync_ResponseOutputNestedTooDeep_FailsForGoodWithTheReason(int depth)
    {
        var url = backend.Handle($"deep{depth}", context =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync($"{{\"status\":\"SUCCESS\",\"output\":{Nested(depth)}}}");
        });
        using var client = new HttpClient(LoomHttpHandler.Create(new SsrfGuardOptions { AllowLoopback = true })) { Timeout = Timeout.InfiniteTimeSpan };
        var executor = new HttpTaskExecutor(client, new ExecutorOptions(), TimeProvider.System);

        var outcome = await executor.ExecuteAsync(Prepare(url), TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(OutcomeKind.Failed, outcome.Kind);
        Assert.Equal(FailureClass.Invalid, outcome.Failure);
        Assert.False(outcome.Retryable);
        Assert.Null(outcome.Output);
        Assert.Equal(200, outcome.StatusCode);
        Assert.Contains("Loom keeps values at most 48 levels deep", outcome.Message, StringComparison.Ordinal);
        Assert.False(RetryDelays.ShouldRetry(Retries(5), outcome, 1));
    }

    [Fact]
    public async Task ExecuteAsync_ResponseOutputAtTheLimit_Kept()
    {
        var url = backend.Handle("atlimit", context =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync($"{{\"status\":\"SUCCESS\",\"output\":{Nested(JsonNesting.MaxDepth)}}}");
        });
        using var client = new HttpClient(LoomHttpHandler.Create(new SsrfGuardOptions { AllowLoopback = true })) { Timeout = Timeout.InfiniteTimeSpan };
        var executor = new HttpTaskExecutor(client, new ExecutorOptions(), TimeProvider.System);

        var outcome = await executor.ExecuteAsync(Prepare(url), TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(OutcomeKind.Succeeded, outcome.Kind);
        Assert.Equal(JsonNesting.MaxDepth, JsonNesting.DepthOf(outcome.Output));
    }

    [Fact]
    public void ReadCallbackOutcome_OutputOverTheCap_ReplacedByTheMarkerAsForAResponse()
    {
        var body = Encoding.UTF8.GetBytes($"{{\"status\":\"SUCCESS\",\"output\":{{\"data\":\"{new string('x', 100_000)}\"}}}}");

        var outcome = RunHandlers.ReadCallbackOutcome(body);

        Assert.Equal(OutcomeKind.Succeeded, outcome.Kind);
        Assert.True(outcome.OutputTruncated);
        Assert.True(outcome.Output!["truncated"]!.GetValue<bool>());
        Assert.Equal(100_011, outcome.Output["bytes"]!.GetValue<long>());
        Assert.True(outcome.Output.ToJsonString().Length < OutputLimit.DefaultMaxOutputBytes);
    }

    [Theory]
    [InlineData(62)]
    [InlineData(JsonNesting.MaxDepth + 5)]
    public void ReadCallbackOutcome_OutputNestedTooDeep_FailsForGood(int depth)
    {
        var outcome = RunHandlers.ReadCallbackOutcome(Encoding.UTF8.GetBytes($"{{\"status\":\"SUCCESS\",\"output\":{Nested(depth)}}}"));

        Assert.Equal(OutcomeKind.Failed, outcome.Kind);
        Assert.Equal(FailureClass.Invalid, outcome.Failure);
        Assert.Null(outcome.Output);
        Assert.Contains("the callback's output nests more than 48 levels deep", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCallbackOutcome_FailedWithADeepOutput_StaysFailedWithoutIt()
    {
        var outcome = OutputLimit.Admit(AttemptOutcome.Fail(FailureClass.Reported, "backend says no") with { Output = JsonNode.Parse(Nested(60)) }, 1000);

        Assert.Equal(FailureClass.Reported, outcome.Failure);
        Assert.Null(outcome.Output);
        Assert.StartsWith("backend says no (the output nests 60 levels deep", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_SuccessWithAnOutputTooDeepToStore_FailsTheTaskForGoodAndTheStateStores()
    {
        // Whatever path an outcome came by, the machine never keeps a value the state writer cannot write.
        var wf = Workflow(Task("a") with { Retry = Retries(3) }, Task("b", "a"));
        var state = Start(wf, out _);

        var t = RunStateMachine.Apply(wf, state, new AttemptCompleted("a", 1, AttemptOutcome.Success(JsonNode.Parse(Nested(62))), At(1)));

        Assert.Equal(TaskRunStatus.Failed, StatusOf(t.State, "a"));
        Assert.Equal(RunStatus.Failed, t.State.Status);
        Assert.Contains("the output nests 62 levels deep", t.State.Tasks["a"].Reason, StringComparison.Ordinal);
        Assert.Null(t.State.Tasks["a"].Output);
        Assert.Empty(Invoked(t));
        _ = RunStateJson.Serialize(t.State);
    }

    [Fact]
    public void AttemptRecord_OfAnAdmittedOutcome_Serialises()
    {
        var admitted = OutputLimit.Admit(AttemptOutcome.Success(JsonNode.Parse(Nested(63))), OutputLimit.DefaultMaxOutputBytes);
        var input = InvokeTaskInputs.Build(Workflow(Task("a")), Start(Workflow(Task("a")), out _), new InvokeTask("a", 1));

        var record = AttemptRecords.From(input, T0, "POST http://backend/a", admitted);

        Assert.Equal("invalid", record.Outcome);
        Assert.Null(record.Output);
    }

    internal static string Nested(int depth) => new StringBuilder().Insert(0, "{\"a\":", depth - 1).Append("[1]").Append('}', depth - 1).ToString();
}
