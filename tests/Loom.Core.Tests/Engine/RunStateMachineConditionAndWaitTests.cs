using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.Engine;

public class RunStateMachineConditionAndWaitTests
{
    private static TaskDefinition WaitTask(string id, TimeSpan? duration, string? until = null, params string[] dependsOn) =>
        new() { Id = id, Type = TaskTypes.Wait, Url = string.Empty, WaitDuration = duration, WaitUntil = until, DependsOn = dependsOn, Retry = NoRetry };

    [Fact]
    public void Apply_ConditionFalse_SkipsWithReasonAndDownstreamFollowsTriggerRules()
    {
        var wf = Workflow(
            Task("check"),
            Task("deploy", "check") with { When = "tasks.check.output.ok == true" },
            Task("after", "deploy"),
            Task("cleanup", "deploy") with { Trigger = TriggerRule.AllDone });
        var state = Start(wf, out _);

        var t = RunStateMachine.Apply(wf, state, new AttemptCompleted("check", 1, AttemptOutcome.Success(JsonNode.Parse("""{"ok":false}""")), At(1)));

        Assert.Equal(TaskRunStatus.Skipped, StatusOf(t.State, "deploy"));
        Assert.Equal("condition false: tasks.check.output.ok == true", t.State.Tasks["deploy"].Reason);
        Assert.Equal(TaskRunStatus.Skipped, StatusOf(t.State, "after"));
        Assert.Equal(["cleanup#1"], Invoked(t));
    }

    [Fact]
    public void Apply_ConditionTrue_InvokesTask()
    {
        var wf = Workflow(Task("check"), Task("deploy", "check") with { When = "tasks.check.output.ok and tasks.check.status == 'succeeded'" });
        var state = Start(wf, out _);

        var t = RunStateMachine.Apply(wf, state, new AttemptCompleted("check", 1, AttemptOutcome.Success(JsonNode.Parse("""{"ok":true}""")), At(1)));

        Assert.Equal(["deploy#1"], Invoked(t));
    }

    [Fact]
    public void Apply_ConditionOnParamsAtStart_SkipsRootAndRunSucceeds()
    {
        var wf = Workflow(Task("a") with { When = "params.env == 'prod'" }) with { Params = new Dictionary<string, JsonNode?> { ["env"] = "dev" } };
        var state = Start(wf, out var started);

        Assert.Equal(TaskRunStatus.Skipped, StatusOf(state, "a"));
        Assert.Equal(RunStatus.Succeeded, state.Status);
        Assert.Empty(Invoked(started));
    }

    [Fact]
    public void Apply_ConditionCannotCompare_FailsTaskWithReason()
    {
        var wf = Workflow(Task("check"), Task("deploy", "check") with { When = "tasks.check.output.rows > 10" });
        var state = Start(wf, out _);

        var t = RunStateMachine.Apply(wf, state, new AttemptCompleted("check", 1, AttemptOutcome.Success(JsonNode.Parse("""{"rows":"many"}""")), At(1)));

        Assert.Equal(TaskRunStatus.Failed, StatusOf(t.State, "deploy"));
        Assert.Contains("could not be evaluated", t.State.Tasks["deploy"].Reason, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Failed, t.State.Status);
    }

    [Fact]
    public void Apply_WaitDuration_StartsTimerAndSucceedsWhenItFires()
    {
        var wf = Workflow(WaitTask("pause", TimeSpan.FromMinutes(5)), Task("next", "pause"));
        var state = Start(wf, out var started);

        var timer = Assert.Single(started.Commands.OfType<StartTimer>());
        Assert.Equal(new StartTimer(TimerPurpose.Wait, "pause", 1, At(300)), timer);
        Assert.Empty(Invoked(started));
        Assert.Equal(TaskRunStatus.Waiting, StatusOf(state, "pause"));
        Assert.Equal([timer], RunStateMachine.Outstanding(wf, state));

        // A callback or another timer purpose does not end a wait task.
        Assert.True(RunStateMachine.Apply(wf, state, new CallbackReceived("pause", 1, AttemptOutcome.Success(), At(10))).Ignored);
        Assert.True(RunStateMachine.Apply(wf, state, new TimerFired(TimerPurpose.CallbackTimeout, "pause", 1, At(10))).Ignored);

        var fired = RunStateMachine.Apply(wf, state, new TimerFired(TimerPurpose.Wait, "pause", 1, At(300)));
        Assert.Equal(TaskRunStatus.Succeeded, StatusOf(fired.State, "pause"));
        Assert.Equal(["next#1"], Invoked(fired));
    }

    [Fact]
    public void Apply_WaitUntilFromOutput_WaitsUntilThatInstantOrEndsAtOnceWhenPast()
    {
        var wf = Workflow(Task("plan"), WaitTask("hold", null, "${{ tasks.plan.output.at }}", "plan"));
        var state = Start(wf, out _);

        var future = RunStateMachine.Apply(wf, state, new AttemptCompleted("plan", 1, AttemptOutcome.Success(JsonNode.Parse("""{"at":"2026-11-22T05:00:00+01:00"}""")), At(1)));
        Assert.Equal(new StartTimer(TimerPurpose.Wait, "hold", 1, At(3600)), Assert.Single(future.Commands.OfType<StartTimer>()));
        Assert.Equal(At(3600), future.State.Tasks["hold"].DueAt);

        var past = RunStateMachine.Apply(wf, state, new AttemptCompleted("plan", 1, AttemptOutcome.Success(JsonNode.Parse("""{"at":"2020-01-01T00:00:00Z"}""")), At(1)));
        Assert.Equal(TaskRunStatus.Succeeded, StatusOf(past.State, "hold"));
        Assert.Equal(RunStatus.Succeeded, past.State.Status);

        var bad = RunStateMachine.Apply(wf, state, new AttemptCompleted("plan", 1, AttemptOutcome.Success(JsonNode.Parse("""{"at":"soon"}""")), At(1)));
        Assert.Equal(TaskRunStatus.Failed, StatusOf(bad.State, "hold"));
        Assert.Contains("not an ISO-8601 instant", bad.State.Tasks["hold"].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_CancelDuringWait_EndsAtOnceAndDropsTimer()
    {
        var wf = Workflow(WaitTask("pause", TimeSpan.FromHours(1)));
        var state = Start(wf, out _);

        var cancelled = RunStateMachine.Apply(wf, state, new CancelRequested("stop", At(5)));

        Assert.Equal(RunStatus.Cancelled, cancelled.State.Status);
        Assert.Contains(new AbortTask("pause", 1), cancelled.Commands);
        Assert.True(RunStateMachine.Apply(wf, cancelled.State, new TimerFired(TimerPurpose.Wait, "pause", 1, At(3600))).Ignored);
    }

    [Fact]
    public void Apply_WaitTaskWithFalseCondition_IsSkippedWithoutTimer()
    {
        var wf = Workflow(WaitTask("pause", TimeSpan.FromHours(1)) with { When = "false" });
        var state = Start(wf, out var started);

        Assert.Equal(TaskRunStatus.Skipped, StatusOf(state, "pause"));
        Assert.Empty(started.Commands.OfType<StartTimer>());
    }
}
