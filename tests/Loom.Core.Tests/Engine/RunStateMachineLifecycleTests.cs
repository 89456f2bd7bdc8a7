using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.Engine;

public sealed class RunStateMachineLifecycleTests
{
    private static readonly AttemptOutcome Accepted = new() { Kind = OutcomeKind.Accepted };

    // running (sync), waiting (callback), retrying, pending downstream
    private static WorkflowDefinition Mixed(bool failFast = false) =>
        Workflow(
            Task("run"),
            Task("cb") with { Completion = CompletionMode.Callback },
            Task("flaky") with { Retry = Retries(3) },
            Task("after", "run", "cb", "flaky")) with { FailFast = failFast, Timeout = TimeSpan.FromMinutes(10) };

    private static RunState MixedMidRun(WorkflowDefinition wf)
    {
        var state = Start(wf, out _);
        state = RunStateMachine.Apply(wf, state, new AttemptCompleted("cb", 1, Accepted, At(1))).State;
        state = RunStateMachine.Apply(wf, state, Err("flaky", at: 1)).State;
        Assert.Equal(
            [TaskRunStatus.Running, TaskRunStatus.Waiting, TaskRunStatus.Retrying, TaskRunStatus.Pending],
            state.Tasks.Values.Select(t => t.Status));
        return state;
    }

    [Fact]
    public void Apply_CancelMidRun_CancelsEverythingAndAbortsInFlight()
    {
        var wf = Mixed();
        var t = RunStateMachine.Apply(wf, MixedMidRun(wf), new CancelRequested("user asked", At(5)));

        Assert.Equal(RunStatus.Cancelled, t.State.Status);
        Assert.Equal("user asked", t.State.Reason);
        Assert.All(t.State.Tasks.Values, s => Assert.Equal(TaskRunStatus.Cancelled, s.Status));
        Assert.Equal(
            [new AbortTask("run", 1), new AbortTask("cb", 1), new FinishRun(RunStatus.Cancelled, "user asked")],
            t.Commands);
        Assert.Equal(RunLogTypes.RunCancelled, t.Log[^1].Type);
        Assert.Equal(4, t.Log.Count(l => l.Type == RunLogTypes.TaskCancelled));
    }

    [Fact]
    public void Apply_EventsAfterCancel_ChangeNothing()
    {
        var wf = Mixed();
        var cancelled = RunStateMachine.Apply(wf, MixedMidRun(wf), new CancelRequested(null, At(5))).State;
        RunEvent[] late =
        [
            Ok("run", at: 6),
            new CallbackReceived("cb", 1, AttemptOutcome.Success(), At(6)),
            new TimerFired(TimerPurpose.Retry, "flaky", 1, At(6)),
            new TimerFired(TimerPurpose.RunTimeout, null, 0, At(600)),
            new CancelRequested("again", At(7)),
            new RunStarted(At(8)),
        ];
        foreach (var e in late)
        {
            var t = RunStateMachine.Apply(wf, cancelled, e);
            Assert.True(t.Ignored, e.ToString());
            Assert.Same(cancelled, t.State);
            Assert.Empty(t.Commands);
            Assert.Empty(t.Log);
        }
    }

    [Fact]
    public void Apply_CancelPendingRun_CancelsWithoutStarting()
    {
        var wf = Workflow(Task("a"));
        var state = RunStateMachine.Create(wf, 1, "r", null, T0, T0);
        var t = RunStateMachine.Apply(wf, state, new CancelRequested(null, At(1)));
        Assert.Equal(RunStatus.Cancelled, t.State.Status);
        Assert.Equal("cancel requested", t.State.Reason);
        Assert.Equal([new FinishRun(RunStatus.Cancelled, "cancel requested")], t.Commands);
        Assert.True(RunStateMachine.Apply(wf, t.State, new RunStarted(At(2))).Ignored);
    }

    [Fact]
    public void Apply_FailFastTaskFails_CancelsOthersAndFailsRun()
    {
        var wf = Mixed(failFast: true);
        var t = RunStateMachine.Apply(wf, MixedMidRun(wf), Err("run", at: 5, failure: FailureClass.ClientError, status: 400));

        Assert.Equal(RunStatus.Failed, t.State.Status);
        Assert.Equal("task run failed: HTTP 400: boom", t.State.Reason);
        Assert.Equal(TaskRunStatus.Failed, StatusOf(t.State, "run"));
        Assert.Equal(TaskRunStatus.Cancelled, StatusOf(t.State, "cb"));
        Assert.Equal(TaskRunStatus.Cancelled, StatusOf(t.State, "flaky"));
        Assert.Equal(TaskRunStatus.Cancelled, StatusOf(t.State, "after"));
        Assert.Equal("cancelled: task run failed: HTTP 400: boom", t.State.Tasks["after"].Reason);
        Assert.Equal([new AbortTask("cb", 1), new FinishRun(RunStatus.Failed, "task run failed: HTTP 400: boom")], t.Commands);
    }

    [Fact]
    public void Apply_WithoutFailFast_OthersContinueAfterFailure()
    {
        var wf = Workflow(Task("a"), Task("b"), Task("c", "b"));
        var state = Start(wf, out _);
        var t = RunStateMachine.Apply(wf, state, Err("a"));
        Assert.Equal(RunStatus.Running, t.State.Status);
        t = RunStateMachine.Apply(wf, t.State, Ok("b", at: 2));
        Assert.Equal(["c#1"], Invoked(t));
        t = RunStateMachine.Apply(wf, t.State, Ok("c", at: 3));
        Assert.Equal(RunStatus.Failed, t.State.Status);
        Assert.Equal("task a failed: HTTP 500: boom", t.State.Reason);
    }

    [Fact]
    public void Apply_AllowFailureUnderFailFast_RunContinuesAndSucceeds()
    {
        var wf = Workflow(
            Task("optional") with { AllowFailure = true },
            Task("main"),
            Task("needsOptional", "optional"),
            Task("onFailure", "optional") with { Trigger = TriggerRule.OneFailed }) with { FailFast = true };
        var state = Start(wf, out _);

        var t = RunStateMachine.Apply(wf, state, Err("optional"));
        Assert.Equal(RunStatus.Running, t.State.Status);
        Assert.Equal(TaskRunStatus.Running, StatusOf(t.State, "main"));
        Assert.Equal(TaskRunStatus.Skipped, StatusOf(t.State, "needsOptional"));
        Assert.Equal(["onFailure#1"], Invoked(t));

        t = RunStateMachine.Apply(wf, t.State, Ok("main", at: 2));
        t = RunStateMachine.Apply(wf, t.State, Ok("onFailure", at: 3));
        Assert.Equal(RunStatus.Succeeded, t.State.Status);
        Assert.Equal(TaskRunStatus.Failed, StatusOf(t.State, "optional"));
    }

    [Fact]
    public void Apply_RunTimeout_StartsTimerAndFailsRunCancellingTasks()
    {
        var wf = Mixed();
        var state = RunStateMachine.Create(wf, 1, "r", null, T0, T0);
        var started = RunStateMachine.Apply(wf, state, new RunStarted(T0));
        Assert.Equal(new StartTimer(TimerPurpose.RunTimeout, null, 0, At(600)), started.Commands[0]);

        var mid = MixedMidRun(wf);
        var t = RunStateMachine.Apply(wf, mid, new TimerFired(TimerPurpose.RunTimeout, null, 0, At(600)));
        Assert.Equal(RunStatus.Failed, t.State.Status);
        Assert.Equal("run timeout after 10m", t.State.Reason);
        Assert.All(t.State.Tasks.Values, s => Assert.Equal(TaskRunStatus.Cancelled, s.Status));
        Assert.Equal(new FinishRun(RunStatus.Failed, "run timeout after 10m"), t.Commands[^1]);
        Assert.Equal(2, t.Commands.OfType<AbortTask>().Count());
    }

    [Fact]
    public void Apply_RunFinishesBeforeTimeout_LaterTimeoutIgnored()
    {
        var wf = Workflow(Task("a")) with { Timeout = TimeSpan.FromMinutes(1) };
        var state = Start(wf, out _);
        state = RunStateMachine.Apply(wf, state, Ok("a")).State;
        Assert.True(RunStateMachine.Apply(wf, state, new TimerFired(TimerPurpose.RunTimeout, null, 0, At(60))).Ignored);
    }

    [Fact]
    public void Apply_StaleEvents_IgnoredWithoutCountingOrCommands()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(3) }, Task("b", "a"));
        var state = Start(wf, out _);
        RunEvent[] stale =
        [
            new RunStarted(At(1)),
            Ok("a", attempt: 2),
            Ok("b"),
            Ok("ghost"),
            new TimerFired(TimerPurpose.Retry, "a", 1, At(1)),
            new TimerFired(TimerPurpose.CallbackTimeout, "a", 1, At(1)),
            new CallbackReceived("a", 1, AttemptOutcome.Success(), At(1)),
        ];
        foreach (var e in stale)
        {
            var t = RunStateMachine.Apply(wf, state, e);
            Assert.True(t.Ignored, e.ToString());
            Assert.Same(state, t.State);
            Assert.Empty(t.Commands);
        }

        Assert.Equal(1, state.EventCount);
    }

    [Fact]
    public void Apply_AttemptOutcomeAfterRetryScheduled_Ignored()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(3) });
        var state = Start(wf, out _);
        state = RunStateMachine.Apply(wf, state, Err("a")).State;
        Assert.True(RunStateMachine.Apply(wf, state, Ok("a", 1, at: 2)).Ignored);
    }

    [Fact]
    public void RetryFromFailed_FailedRun_KeepsSucceededAndRerunsRest()
    {
        var wf = Workflow(Task("a"), Task("b", "a"), Task("c", "b"), Task("d", "a"));
        var state = Start(wf, out _, runId: "run-1");
        state = RunStateMachine.Apply(wf, state, new AttemptCompleted("a", 1, AttemptOutcome.Success(new JsonObject { ["rows"] = 7 }), At(1))).State;
        state = RunStateMachine.Apply(wf, state, Err("b", at: 2)).State;
        state = RunStateMachine.Apply(wf, state, Ok("d", at: 3)).State;
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.Equal(TaskRunStatus.Skipped, StatusOf(state, "c"));

        var retry = RunStateMachine.RetryFromFailed(wf, state, "run-2", At(100));
        Assert.Equal("run-2", retry.RunId);
        Assert.Equal("run-1", retry.RetryOf);
        Assert.Equal(RunStatus.Pending, retry.Status);
        Assert.Equal(0, retry.EventCount);
        Assert.Same(state.Tasks["a"], retry.Tasks["a"]);
        Assert.Equal(new TaskState(), retry.Tasks["b"]);
        Assert.Equal(new TaskState(), retry.Tasks["c"]);

        var started = RunStateMachine.Apply(wf, retry, new RunStarted(At(100)));
        Assert.Equal(["b#1"], Invoked(started));
        Assert.Equal("""{"rows":7}""", RunStateMachine.TaskInputs(wf, started.State, "b")["a"]!.ToJsonString());

        var t = RunStateMachine.Apply(wf, started.State, Ok("b", at: 101));
        Assert.Equal(["c#1"], Invoked(t));
        t = RunStateMachine.Apply(wf, t.State, Ok("c", at: 102));
        Assert.Equal(RunStatus.Succeeded, t.State.Status);
    }

    [Fact]
    public void RetryFromFailed_CancelledRun_ResetsCancelledTasks()
    {
        var wf = Workflow(Task("a"), Task("b", "a"));
        var state = Start(wf, out _);
        state = RunStateMachine.Apply(wf, state, Ok("a")).State;
        state = RunStateMachine.Apply(wf, state, new CancelRequested(null, At(2))).State;
        var retry = RunStateMachine.RetryFromFailed(wf, state, "run-2", At(3));
        Assert.Equal(["b#1"], Invoked(RunStateMachine.Apply(wf, retry, new RunStarted(At(3)))));
    }

    [Fact]
    public void RetryFromFailed_SucceededOrRunning_Throws()
    {
        var wf = Workflow(Task("a"));
        var running = Start(wf, out _);
        var succeeded = RunStateMachine.Apply(wf, running, Ok("a")).State;

        Assert.False(RunStateMachine.CanRetryFromFailed(running, out var why));
        Assert.Contains("still running", why, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => RunStateMachine.RetryFromFailed(wf, running, "x", T0));
        Assert.Throws<ArgumentException>(() => RunStateMachine.RetryFromFailed(wf, succeeded, "x", T0));
    }

    [Fact]
    public void TaskInputs_AndAllOutputs_ReturnUpstreamOutputsAsCopies()
    {
        var wf = Workflow(Task("a"), Task("b"), Task("c", "b", "a") with { Trigger = TriggerRule.AllDone });
        var state = Start(wf, out _);
        state = RunStateMachine.Apply(wf, state, new AttemptCompleted("a", 1, AttemptOutcome.Success(new JsonObject { ["x"] = 1 }), At(1))).State;
        state = RunStateMachine.Apply(wf, state, Err("b", at: 2)).State;

        var inputs = RunStateMachine.TaskInputs(wf, state, "c");
        Assert.Equal(["b", "a"], inputs.Keys);
        Assert.Null(inputs["b"]);
        Assert.NotSame(state.Tasks["a"].Output, inputs["a"]);

        // Copies can be attached to an envelope without stealing the state's nodes.
        var envelope = new JsonObject { ["inputs"] = new JsonObject(inputs.Select(kv => KeyValuePair.Create(kv.Key, kv.Value))) };
        Assert.Equal("""{"inputs":{"b":null,"a":{"x":1}}}""", envelope.ToJsonString());

        var all = RunStateMachine.AllOutputs(state);
        Assert.Equal(["a"], all.Keys);
        Assert.Empty(RunStateMachine.TaskInputs(wf, state, "ghost"));
    }

    [Fact]
    public void Outstanding_MidRun_RearmsEverythingInFlight()
    {
        var wf = Mixed();
        var state = MixedMidRun(wf);
        Assert.Equal(
            [
                new StartTimer(TimerPurpose.RunTimeout, null, 0, At(600)),
                new InvokeTask("run", 1),
                new WaitForCallback("cb", 1, At(1).AddHours(1)),
                new StartTimer(TimerPurpose.CallbackTimeout, "cb", 1, At(1).AddHours(1)),
                new StartTimer(TimerPurpose.Retry, "flaky", 1, At(2)),
            ],
            RunStateMachine.Outstanding(wf, state));

        var cancelled = RunStateMachine.Apply(wf, state, new CancelRequested(null, At(3))).State;
        Assert.Empty(RunStateMachine.Outstanding(wf, cancelled));
        Assert.True(RunStateMachine.IsFinished(cancelled));
        Assert.False(RunStateMachine.IsFinished(state));
    }

    [Fact]
    public void TaskViews_JoinDefinitionAndState()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(4) }, Task("b", "a") with { Trigger = TriggerRule.NoneFailed });
        var state = Start(wf, out _);
        var views = RunStateMachine.TaskViews(wf, state);
        Assert.Equal(["a", "b"], views.Select(v => v.TaskId));
        Assert.Equal(TaskRunStatus.Running, views[0].Status);
        Assert.Equal(4, views[0].MaxAttempts);
        Assert.Equal("none_failed", views[1].Trigger);
    }
}
