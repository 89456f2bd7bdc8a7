using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.Engine;

public sealed class RunStateMachineCallbackTests
{
    private static readonly AttemptOutcome Accepted = new() { Kind = OutcomeKind.Accepted, StatusCode = 202 };

    private static WorkflowDefinition CallbackWorkflow(int maxAttempts = 1) =>
        Workflow(Task("job") with { Completion = CompletionMode.Callback, CallbackTimeout = TimeSpan.FromMinutes(10), Retry = Retries(maxAttempts) }, Task("next", "job"));

    private static RunState Waiting(WorkflowDefinition wf, out Transition accepted)
    {
        var state = Start(wf, out _);
        accepted = RunStateMachine.Apply(wf, state, new AttemptCompleted("job", 1, Accepted, At(1)));
        return accepted.State;
    }

    [Fact]
    public void Apply_AcceptedOnCallbackTask_WaitsWithDeadlineTimer()
    {
        var wf = CallbackWorkflow();
        var state = Waiting(wf, out var accepted);
        var deadline = At(601);
        Assert.Equal(TaskRunStatus.Waiting, StatusOf(state, "job"));
        Assert.Equal(deadline, state.Tasks["job"].DueAt);
        Assert.Equal(
            [new WaitForCallback("job", 1, deadline), new StartTimer(TimerPurpose.CallbackTimeout, "job", 1, deadline)],
            accepted.Commands);
        Assert.Equal(RunLogTypes.TaskWaiting, Assert.Single(accepted.Log).Type);
    }

    [Fact]
    public void Apply_CallbackSuccess_SucceedsAndRunsDownstream()
    {
        var wf = CallbackWorkflow();
        var state = Waiting(wf, out _);
        var t = RunStateMachine.Apply(wf, state, new CallbackReceived("job", 1, AttemptOutcome.Success(42), At(5)));
        Assert.Equal(TaskRunStatus.Succeeded, StatusOf(t.State, "job"));
        Assert.Equal(42, t.State.Tasks["job"].Output!.GetValue<int>());
        Assert.Equal(["next#1"], Invoked(t));
    }

    [Fact]
    public void Apply_DuplicateCallback_Ignored()
    {
        var wf = CallbackWorkflow();
        var state = Waiting(wf, out _);
        var first = RunStateMachine.Apply(wf, state, new CallbackReceived("job", 1, AttemptOutcome.Success(1), At(5)));
        var duplicate = RunStateMachine.Apply(wf, first.State, new CallbackReceived("job", 1, AttemptOutcome.Success(2), At(6)));
        Assert.True(duplicate.Ignored);
        Assert.Same(first.State, duplicate.State);
        Assert.Empty(duplicate.Commands);
        Assert.Equal(1, duplicate.State.Tasks["job"].Output!.GetValue<int>());
    }

    [Fact]
    public void Apply_CallbackForWrongAttempt_Ignored()
    {
        var wf = CallbackWorkflow();
        var state = Waiting(wf, out _);
        var t = RunStateMachine.Apply(wf, state, new CallbackReceived("job", 2, AttemptOutcome.Success(), At(5)));
        Assert.True(t.Ignored);
        Assert.Equal(TaskRunStatus.Waiting, StatusOf(t.State, "job"));
    }

    [Fact]
    public void Apply_CallbackProgress_StaysWaitingKeepsDeadline()
    {
        var wf = CallbackWorkflow();
        var state = Waiting(wf, out _);
        var progress = new AttemptOutcome { Kind = OutcomeKind.Accepted, Message = "50%" };
        var t = RunStateMachine.Apply(wf, state, new CallbackReceived("job", 1, progress, At(30)));
        Assert.False(t.Ignored);
        Assert.Equal(TaskRunStatus.Waiting, StatusOf(t.State, "job"));
        Assert.Equal(At(601), t.State.Tasks["job"].DueAt);
        Assert.Equal("50%", t.State.Tasks["job"].Reason);
        Assert.Empty(t.Commands);
    }

    [Fact]
    public void Apply_CallbackTimeoutWithoutRetries_FailsAsTimeout()
    {
        var wf = CallbackWorkflow();
        var state = Waiting(wf, out _);
        var t = RunStateMachine.Apply(wf, state, new TimerFired(TimerPurpose.CallbackTimeout, "job", 1, At(601)));
        Assert.Equal(TaskRunStatus.Failed, StatusOf(t.State, "job"));
        Assert.Equal("timeout: no callback within 10m", t.State.Tasks["job"].Reason);
        Assert.Equal(TaskRunStatus.Skipped, StatusOf(t.State, "next"));
        Assert.Equal(RunStatus.Failed, t.State.Status);
        Assert.Contains(new AbortTask("job", 1), t.Commands);

        var late = RunStateMachine.Apply(wf, t.State, new CallbackReceived("job", 1, AttemptOutcome.Success(), At(700)));
        Assert.True(late.Ignored);
    }

    [Fact]
    public void Apply_CallbackTimeoutWithRetries_ReinvokesTask()
    {
        var wf = CallbackWorkflow(maxAttempts: 2);
        var state = Waiting(wf, out _);
        var timedOut = RunStateMachine.Apply(wf, state, new TimerFired(TimerPurpose.CallbackTimeout, "job", 1, At(601)));
        Assert.Equal(TaskRunStatus.Retrying, StatusOf(timedOut.State, "job"));
        var retried = RunStateMachine.Apply(wf, timedOut.State, new TimerFired(TimerPurpose.Retry, "job", 1, At(602)));
        Assert.Equal(["job#2"], Invoked(retried));

        // The first attempt's callback arrives late: ignored, attempt 2 is in flight.
        var late = RunStateMachine.Apply(wf, retried.State, new CallbackReceived("job", 1, AttemptOutcome.Success(), At(603)));
        Assert.True(late.Ignored);
    }

    [Fact]
    public void Apply_CallbackTimeoutAfterSuccess_Ignored()
    {
        var wf = CallbackWorkflow();
        var state = Waiting(wf, out _);
        state = RunStateMachine.Apply(wf, state, new CallbackReceived("job", 1, AttemptOutcome.Success(), At(5))).State;
        var t = RunStateMachine.Apply(wf, state, new TimerFired(TimerPurpose.CallbackTimeout, "job", 1, At(601)));
        Assert.True(t.Ignored);
    }

    [Fact]
    public void Apply_CallbackFailureRetryable_RetriesPerPolicy()
    {
        var wf = CallbackWorkflow(maxAttempts: 3);
        var state = Waiting(wf, out _);
        var t = RunStateMachine.Apply(wf, state, new CallbackReceived("job", 1, AttemptOutcome.Fail(FailureClass.Reported, "disk full") with { Retryable = true }, At(5)));
        Assert.Equal(TaskRunStatus.Retrying, StatusOf(t.State, "job"));
    }

    [Fact]
    public void Apply_AcceptedOnSyncTask_CountsAsSuccess()
    {
        var wf = Workflow(Task("a"), Task("b", "a"));
        var state = Start(wf, out _);
        var t = RunStateMachine.Apply(wf, state, new AttemptCompleted("a", 1, Accepted, At(1)));
        Assert.Equal(TaskRunStatus.Succeeded, StatusOf(t.State, "a"));
        Assert.Equal(["b#1"], Invoked(t));
        Assert.DoesNotContain(t.Commands, c => c is WaitForCallback);
    }

    [Fact]
    public void Apply_FailedCallbackWhileCallInFlight_DecidesAttemptWhenCallAnswers200()
    {
        var wf = CallbackWorkflow();
        var state = Start(wf, out _);

        var held = RunStateMachine.Apply(wf, state, new CallbackReceived("job", 1, AttemptOutcome.Fail(FailureClass.Reported, "disk full"), At(1)));
        Assert.False(held.Ignored);
        Assert.Equal(TaskRunStatus.Running, StatusOf(held.State, "job"));
        Assert.NotNull(held.State.Tasks["job"].HeldCallback);
        Assert.Empty(held.Commands);
        Assert.Equal(RunLogTypes.TaskWaiting, Assert.Single(held.Log).Type);
        Assert.Equal("Task 'job' of run 'run-1' already has a result for attempt 1, posted before its call answered; it is applied when the call answers.",
            RunStateMachine.CallbackRefusal(held.State, "job", 1));

        var answered = RunStateMachine.Apply(wf, held.State, Ok("job", at: 2));

        Assert.Equal(TaskRunStatus.Failed, StatusOf(answered.State, "job"));
        Assert.Equal(RunStatus.Failed, answered.State.Status);
        Assert.Contains("disk full", answered.State.Tasks["job"].Reason, StringComparison.Ordinal);
        Assert.Null(answered.State.Tasks["job"].HeldCallback);
        Assert.Empty(Invoked(answered));
    }

    [Fact]
    public void Apply_SuccessCallbackWhileCallInFlight_SucceedsWhenCallAnswers202()
    {
        var wf = CallbackWorkflow();
        var state = Start(wf, out _);

        var held = RunStateMachine.Apply(wf, state, new CallbackReceived("job", 1, AttemptOutcome.Success(7), At(1)));
        var answered = RunStateMachine.Apply(wf, held.State, new AttemptCompleted("job", 1, Accepted, At(2)));

        Assert.Equal(TaskRunStatus.Succeeded, StatusOf(answered.State, "job"));
        Assert.Equal(7, answered.State.Tasks["job"].Output!.GetValue<int>());
        Assert.DoesNotContain(answered.Commands, c => c is WaitForCallback);
        Assert.Equal(["next#1"], Invoked(answered));
    }

    [Fact]
    public void Apply_SecondCallbackWhileOneHeld_IgnoredAndRefused()
    {
        var wf = CallbackWorkflow();
        var held = RunStateMachine.Apply(wf, Start(wf, out _), new CallbackReceived("job", 1, AttemptOutcome.Success(1), At(1)));

        var second = RunStateMachine.Apply(wf, held.State, new CallbackReceived("job", 1, AttemptOutcome.Success(2), At(2)));

        Assert.True(second.Ignored);
        Assert.NotNull(RunStateMachine.CallbackRefusal(held.State, "job", 1));
        Assert.Null(RunStateMachine.CallbackRefusal(Start(wf, out _), "job", 1));
    }

    [Fact]
    public void Apply_EarlyCallbackOutputOverTheRunsBudget_HeldWithoutItAndFailsTheTask()
    {
        var wf = CallbackWorkflow();
        var huge = System.Text.Json.Nodes.JsonValue.Create(new string('x', RunLimits.MaxOutputChars + 1));

        var held = RunStateMachine.Apply(wf, Start(wf, out _), new CallbackReceived("job", 1, AttemptOutcome.Success(huge), At(1)));
        Assert.Null(held.State.Tasks["job"].HeldCallback!.Output);
        var answered = RunStateMachine.Apply(wf, held.State, new AttemptCompleted("job", 1, Accepted, At(2)));

        Assert.Equal(TaskRunStatus.Failed, StatusOf(answered.State, "job"));
        Assert.Contains("over the limit", answered.State.Tasks["job"].Reason, StringComparison.Ordinal);
    }
}
