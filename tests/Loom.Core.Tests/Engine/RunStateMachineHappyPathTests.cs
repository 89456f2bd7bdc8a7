using System.Text.Json.Nodes;
using Loom.Core.Engine;
using Loom.Core.Execution;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.Engine;

public sealed class RunStateMachineHappyPathTests
{
    [Fact]
    public void Create_WithOverrides_MergesParamsAndLeavesTasksPending()
    {
        var wf = Workflow(Task("a"), Task("b", "a")) with
        {
            Params = new Dictionary<string, JsonNode?> { ["region"] = "eu", ["limit"] = 10, ["optional"] = null },
        };

        var state = RunStateMachine.Create(wf, 3, "run-1", new JsonObject { ["limit"] = 20, ["extra"] = true }, T0, T0);

        Assert.Equal(RunStatus.Pending, state.Status);
        Assert.Equal(3, state.WorkflowVersion);
        Assert.Equal("""{"extra":true,"limit":20,"region":"eu"}""", state.Params.ToJsonString());
        Assert.All(state.Tasks.Values, t => Assert.Equal(TaskRunStatus.Pending, t.Status));
        Assert.Equal(["a", "b"], state.Tasks.Keys);
    }

    [Fact]
    public void Apply_ChainSucceeds_InvokesInOrderAndFinishesOnce()
    {
        var wf = Workflow(Task("a"), Task("b", "a"), Task("c", "b"));
        var state = Start(wf, out var started);
        Assert.Equal(["a#1"], Invoked(started));
        Assert.Equal(RunStatus.Running, state.Status);
        Assert.Equal(T0, state.StartedAt);

        var t1 = RunStateMachine.Apply(wf, state, new AttemptCompleted("a", 1, AttemptOutcome.Success(new JsonObject { ["n"] = 1 }), At(1)));
        Assert.Equal(["b#1"], Invoked(t1));
        Assert.Equal("""{"n":1}""", t1.State.Tasks["a"].Output!.ToJsonString());

        var t2 = RunStateMachine.Apply(wf, t1.State, Ok("b", at: 2));
        var t3 = RunStateMachine.Apply(wf, t2.State, Ok("c", at: 3));

        Assert.Equal(RunStatus.Succeeded, t3.State.Status);
        Assert.Equal(At(3), t3.State.FinishedAt);
        Assert.Equal([new FinishRun(RunStatus.Succeeded, null)], t3.Commands);
        Assert.Equal(4, t3.State.EventCount);
        Assert.Equal(
            [RunLogTypes.TaskSucceeded, RunLogTypes.RunSucceeded],
            t3.Log.Select(l => l.Type));
    }

    [Fact]
    public void Apply_OutputsBeyondTheRunsBudget_TaskFailsForGoodWithTheReason()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(3) }, Task("b", "a") with { Retry = Retries(3) }, Task("c", "b"));
        var state = Start(wf, out _);
        var big = new JsonObject { ["data"] = new string('x', (RunLimits.MaxOutputChars / 2) + 10) };

        var a = RunStateMachine.Apply(wf, state, new AttemptCompleted("a", 1, AttemptOutcome.Success(big), At(1)));
        Assert.Equal(TaskRunStatus.Succeeded, StatusOf(a.State, "a"));
        var b = RunStateMachine.Apply(wf, a.State, new AttemptCompleted("b", 1, AttemptOutcome.Success(big.DeepClone()), At(2)));

        // The second half-budget output does not fit beside the first: b fails without a retry, c is skipped, the run fails.
        Assert.Equal(TaskRunStatus.Failed, StatusOf(b.State, "b"));
        Assert.Null(b.State.Tasks["b"].Output);
        Assert.Contains("over the limit", b.State.Tasks["b"].Reason, StringComparison.Ordinal);
        Assert.Empty(b.Commands.OfType<StartTimer>());
        Assert.Equal(TaskRunStatus.Skipped, StatusOf(b.State, "c"));
        Assert.Equal(RunStatus.Failed, b.State.Status);
        // What was kept still fits a table row.
        Assert.True(RunStateJson.Serialize(b.State).Length < 512 * 1024);
    }

    [Fact]
    public void Apply_FanOut_InvokesAllRootsInDeclarationOrder()
    {
        var wf = Workflow(Task("z"), Task("a"), Task("m", "z", "a"));
        Start(wf, out var started);
        Assert.Equal(["z#1", "a#1"], Invoked(started));
    }

    [Fact]
    public void Apply_EmptyWorkflow_SucceedsAtStart()
    {
        var wf = Workflow();
        var state = Start(wf, out var started);
        Assert.Equal(RunStatus.Succeeded, state.Status);
        Assert.Equal([new FinishRun(RunStatus.Succeeded, null)], started.Commands);
    }
}
