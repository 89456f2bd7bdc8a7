using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.Engine;

public sealed class RunStateMachineRetryTests
{
    [Fact]
    public void Apply_ServerErrorThenTimer_RetriesWithExactBackoffAndNextAttempt()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(3, BackoffKind.Exponential, seconds: 2) });
        var state = Start(wf, out _);

        var failed = RunStateMachine.Apply(wf, state, Err("a", at: 1));
        Assert.Equal(TaskRunStatus.Retrying, StatusOf(failed.State, "a"));
        Assert.Equal(At(3), failed.State.Tasks["a"].DueAt);
        Assert.Equal([new StartTimer(TimerPurpose.Retry, "a", 1, At(3))], failed.Commands);
        Assert.Equal(RunLogTypes.TaskRetrying, Assert.Single(failed.Log).Type);
        Assert.Equal("HTTP 500: boom; attempt 2 in 2s", failed.Log[0].Message);

        var fired = RunStateMachine.Apply(wf, failed.State, new TimerFired(TimerPurpose.Retry, "a", 1, At(3)));
        Assert.Equal(["a#2"], Invoked(fired));
        Assert.Equal(TaskRunStatus.Running, StatusOf(fired.State, "a"));
        Assert.Null(fired.State.Tasks["a"].DueAt);
        Assert.Equal(T0, fired.State.Tasks["a"].StartedAt);

        var failedAgain = RunStateMachine.Apply(wf, fired.State, Err("a", 2, at: 4));
        Assert.Equal([new StartTimer(TimerPurpose.Retry, "a", 2, At(8))], failedAgain.Commands);
    }

    [Fact]
    public void Apply_LastAttemptFails_TaskAndRunFail()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(2) });
        var state = Start(wf, out _);
        state = RunStateMachine.Apply(wf, state, Err("a", 1, at: 1)).State;
        state = RunStateMachine.Apply(wf, state, new TimerFired(TimerPurpose.Retry, "a", 1, At(2))).State;

        var last = RunStateMachine.Apply(wf, state, Err("a", 2, at: 3));

        Assert.Equal(TaskRunStatus.Failed, StatusOf(last.State, "a"));
        Assert.Equal(2, last.State.Tasks["a"].Attempt);
        Assert.Equal(500, last.State.Tasks["a"].LastStatusCode);
        Assert.Equal(RunStatus.Failed, last.State.Status);
        Assert.Equal("task a failed: HTTP 500: boom", last.State.Reason);
        Assert.Equal([new FinishRun(RunStatus.Failed, "task a failed: HTTP 500: boom")], last.Commands);
    }

    [Fact]
    public void Apply_ExecutorMessageAlreadyNamesTheStatus_ReasonSaysItOnce()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(1) });
        var state = Start(wf, out _);
        var outcome = AttemptOutcome.Fail(FailureClass.ServerError, "HTTP 503: busy", 503);

        var t = RunStateMachine.Apply(wf, state, new AttemptCompleted("a", 1, outcome, At(1)));

        Assert.Equal("HTTP 503: busy", t.State.Tasks["a"].Reason);
    }

    [Fact]
    public void Apply_ClientError_NotRetried()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(5) });
        var state = Start(wf, out _);
        var t = RunStateMachine.Apply(wf, state, Err("a", failure: FailureClass.ClientError, status: 404));
        Assert.Equal(TaskRunStatus.Failed, StatusOf(t.State, "a"));
        Assert.DoesNotContain(t.Commands, c => c is StartTimer);
    }

    [Fact]
    public void Apply_RetryOnIncludesClientError_Retried()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(5) with { RetryOn = RetryOn.Default | RetryOn.ClientError } });
        var state = Start(wf, out _);
        var t = RunStateMachine.Apply(wf, state, Err("a", failure: FailureClass.ClientError, status: 404));
        Assert.Equal(TaskRunStatus.Retrying, StatusOf(t.State, "a"));
    }

    [Fact]
    public void Apply_RetryOnWithoutServerError_FailsOn500()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(5) with { RetryOn = RetryOn.Network } });
        var state = Start(wf, out _);
        var t = RunStateMachine.Apply(wf, state, Err("a"));
        Assert.Equal(TaskRunStatus.Failed, StatusOf(t.State, "a"));
    }

    [Fact]
    public void Apply_BackendSaysNotRetryable_FailsAtOnce()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(5) });
        var state = Start(wf, out _);
        var outcome = AttemptOutcome.Fail(FailureClass.ServerError, "bad data", 500) with { Retryable = false };
        var t = RunStateMachine.Apply(wf, state, new AttemptCompleted("a", 1, outcome, At(1)));
        Assert.Equal(TaskRunStatus.Failed, StatusOf(t.State, "a"));
    }

    [Fact]
    public void Apply_RetryAfterAboveMaxDelay_TimerAtMaxDelay()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(3, seconds: 1, maxSeconds: 30) });
        var state = Start(wf, out _);
        var outcome = AttemptOutcome.Fail(FailureClass.TooManyRequests, "slow down", 429) with { RetryAfter = TimeSpan.FromMinutes(5) };
        var t = RunStateMachine.Apply(wf, state, new AttemptCompleted("a", 1, outcome, At(10)));
        Assert.Equal([new StartTimer(TimerPurpose.Retry, "a", 1, At(40))], t.Commands);
    }

    [Fact]
    public void Apply_RetrySucceeds_DownstreamRunsAndRunSucceeds()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(3) }, Task("b", "a"));
        var state = Start(wf, out _);
        state = RunStateMachine.Apply(wf, state, Err("a", 1, at: 1)).State;
        state = RunStateMachine.Apply(wf, state, new TimerFired(TimerPurpose.Retry, "a", 1, At(2))).State;
        var t = RunStateMachine.Apply(wf, state, Ok("a", 2, at: 3));
        Assert.Equal(["b#1"], Invoked(t));
        t = RunStateMachine.Apply(wf, t.State, Ok("b", 1, at: 4));
        Assert.Equal(RunStatus.Succeeded, t.State.Status);
        Assert.Equal(2, t.State.Tasks["a"].Attempt);
    }
}
