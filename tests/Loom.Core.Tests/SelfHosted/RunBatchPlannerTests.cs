using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.SelfHosted;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.SelfHosted;

public sealed class RunBatchPlannerTests
{
    private static readonly BatchContext Live = new();

    private static WorkflowDefinition Fanout(RetryPolicy retry) =>
        Workflow(Task("a") with { Retry = retry }, Task("b") with { Retry = retry }, Task("c", "a", "b"));

    [Fact]
    public void Plan_TwoCompletionsTogether_OneCommitCarryingBoth()
    {
        var wf = Fanout(NoRetry);
        var state = Start(wf, out _);

        var plan = RunBatchPlanner.Plan(wf, state, [Ok("a"), Ok("b")], Live);

        Assert.Equal(BatchAction.Commit, plan.Action);
        Assert.Equal(["c#1"], plan.Commands.OfType<InvokeTask>().Select(i => $"{i.TaskId}#{i.Attempt}"));
        Assert.Equal(TaskRunStatus.Succeeded, StatusOf(plan.State, "a"));
        Assert.Equal(TaskRunStatus.Succeeded, StatusOf(plan.State, "b"));
        Assert.Empty(plan.SendEarly);
    }

    [Fact]
    public void Plan_AttemptFailingIntoRetry_IsCarriedWithItsTimerStartedNow()
    {
        var wf = Fanout(Retries(3, seconds: 0.1));
        var state = Start(wf, out _);

        var plan = RunBatchPlanner.Plan(wf, state, [Err("a")], Live);

        Assert.Equal(BatchAction.Carry, plan.Action);
        var timer = Assert.Single(plan.StartNow);
        Assert.Equal((TimerPurpose.Retry, "a", 1), (timer.Purpose, timer.TaskId, timer.Attempt));
        Assert.Equal(TaskRunStatus.Retrying, StatusOf(plan.State, "a"));
    }

    [Fact]
    public void Plan_RetryTimerFired_SendsTheNextAttemptEarlyAndCarries()
    {
        var wf = Fanout(Retries(3, seconds: 0.1));
        var failed = RunBatchPlanner.Plan(wf, Start(wf, out _), [Err("a")], Live);

        var plan = RunBatchPlanner.Plan(wf, failed.State, [new TimerFired(TimerPurpose.Retry, "a", 1, At(2))], Live);

        Assert.Equal(BatchAction.Carry, plan.Action);
        Assert.Equal(new InvokeTask("a", 2), Assert.Single(plan.SendEarly));
    }

    [Fact]
    public void Plan_RetryOfCallbackTask_IsCommittedNotCarried()
    {
        var retry = Retries(3, seconds: 0.1);
        var wf = Workflow(Task("a") with { Retry = retry, Completion = CompletionMode.Callback });
        var failed = RunBatchPlanner.Plan(wf, Start(wf, out _), [Err("a")], Live);

        var plan = RunBatchPlanner.Plan(wf, failed.State, [new TimerFired(TimerPurpose.Retry, "a", 1, At(2))], Live);

        Assert.Equal(BatchAction.Commit, plan.Action);
        Assert.Equal(new InvokeTask("a", 2), Assert.Single(plan.SendEarly));
    }

    [Theory]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(false, false, true)]
    public void Plan_RetryWhenFlushedRetriedOrDraining_IsCommitted(bool forced, bool retrying, bool draining)
    {
        var wf = Fanout(Retries(3, seconds: 0.1));

        var plan = RunBatchPlanner.Plan(wf, Start(wf, out _), [Err("a")], new BatchContext(forced, retrying, draining));

        Assert.Equal(BatchAction.Commit, plan.Action);
    }

    [Fact]
    public void Plan_RetryTogetherWithASuccess_IsCommitted()
    {
        var wf = Fanout(Retries(3, seconds: 0.1));

        var plan = RunBatchPlanner.Plan(wf, Start(wf, out _), [Err("a"), Ok("b")], Live);

        Assert.Equal(BatchAction.Commit, plan.Action);
        Assert.Single(plan.StartNow);
    }

    [Fact]
    public void Plan_StaleAndDuplicateEvents_NeedNothing()
    {
        var wf = Fanout(NoRetry);
        var done = RunBatchPlanner.Plan(wf, Start(wf, out _), [Ok("a")], Live);

        var plan = RunBatchPlanner.Plan(wf, done.State, [Ok("a"), Ok("b", attempt: 7), new TimerFired(TimerPurpose.Retry, "a", 1, At(3))], Live);

        Assert.Equal(BatchAction.Nothing, plan.Action);
        Assert.Same(done.State, plan.State);
        Assert.Empty(plan.Commands);
    }

    [Fact]
    public void Plan_LastCompletion_CommitsTheFinish()
    {
        var wf = Workflow(Task("a"));

        var plan = RunBatchPlanner.Plan(wf, Start(wf, out _), [Ok("a")], Live);

        Assert.Equal(BatchAction.Commit, plan.Action);
        Assert.Equal(RunStatus.Succeeded, plan.State.Status);
        Assert.Contains(plan.Commands, c => c is FinishRun);
    }
}
