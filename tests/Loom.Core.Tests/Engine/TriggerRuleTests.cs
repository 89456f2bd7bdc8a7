using Loom.Core.Definitions;
using Loom.Core.Engine;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.Engine;

public sealed class TriggerRuleTests
{
    // u1 and u2 end as "ok", "fail" or "skip" (skip: their own upstream gate fails); d has the rule under test.
    [Theory]
    [InlineData(TriggerRule.AllSuccess, "ok", "ok", true)]
    [InlineData(TriggerRule.AllSuccess, "ok", "fail", false)]
    [InlineData(TriggerRule.AllSuccess, "ok", "skip", false)]
    [InlineData(TriggerRule.AllDone, "ok", "fail", true)]
    [InlineData(TriggerRule.AllDone, "skip", "skip", true)]
    [InlineData(TriggerRule.AllDone, "fail", "fail", true)]
    [InlineData(TriggerRule.AllFailed, "fail", "fail", true)]
    [InlineData(TriggerRule.AllFailed, "fail", "ok", false)]
    [InlineData(TriggerRule.AllFailed, "fail", "skip", false)]
    [InlineData(TriggerRule.OneSuccess, "fail", "ok", true)]
    [InlineData(TriggerRule.OneSuccess, "fail", "skip", false)]
    [InlineData(TriggerRule.OneSuccess, "skip", "skip", false)]
    [InlineData(TriggerRule.OneFailed, "ok", "fail", true)]
    [InlineData(TriggerRule.OneFailed, "ok", "skip", false)]
    [InlineData(TriggerRule.OneFailed, "ok", "ok", false)]
    [InlineData(TriggerRule.NoneFailed, "ok", "skip", true)]
    [InlineData(TriggerRule.NoneFailed, "skip", "skip", true)]
    [InlineData(TriggerRule.NoneFailed, "ok", "fail", false)]
    public void Apply_TriggerRuleOnFinalUpstreams_RunsOrSkipsDownstream(TriggerRule rule, string first, string second, bool runs)
    {
        var wf = Workflow(
            Task("gate") with { AllowFailure = true },
            Task("u1", Deps(first)),
            Task("u2", Deps(second)),
            Task("d", "u1", "u2") with { Trigger = rule });
        var state = Start(wf, out _);
        var invoked = new List<string>();
        state = Step(wf, state, Err("gate"), invoked);
        state = Finish(wf, state, "u1", first, invoked);
        state = Finish(wf, state, "u2", second, invoked);

        Assert.Equal(runs, invoked.Contains("d#1"));
        Assert.Equal(runs ? TaskRunStatus.Running : TaskRunStatus.Skipped, StatusOf(state, "d"));
        if (!runs)
        {
            Assert.Contains("trigger " + TriggerRules.Name(rule), state.Tasks["d"].Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Apply_OneSuccessWhileOtherRunning_FiresImmediately()
    {
        var wf = Workflow(Task("a"), Task("b"), Task("d", "a", "b") with { Trigger = TriggerRule.OneSuccess });
        var state = Start(wf, out _);
        var t = RunStateMachine.Apply(wf, state, Ok("a"));
        Assert.Equal(["d#1"], Invoked(t));
        Assert.Equal(TaskRunStatus.Running, StatusOf(t.State, "b"));
    }

    [Fact]
    public void Apply_OneFailedWhileOtherRunning_FiresImmediately()
    {
        var wf = Workflow(Task("a"), Task("b"), Task("alert", "a", "b") with { Trigger = TriggerRule.OneFailed });
        var state = Start(wf, out _);
        var t = RunStateMachine.Apply(wf, state, Err("b"));
        Assert.Equal(["alert#1"], Invoked(t));
    }

    [Fact]
    public void Apply_AllSuccessUpstreamFailsWhileOtherRunning_SkipsImmediatelyNamingUpstream()
    {
        var wf = Workflow(Task("a"), Task("b"), Task("d", "a", "b"));
        var state = Start(wf, out _);
        var t = RunStateMachine.Apply(wf, state, Err("a"));
        Assert.Equal(TaskRunStatus.Skipped, StatusOf(t.State, "d"));
        Assert.Equal("trigger all_success: upstream a failed", t.State.Tasks["d"].Reason);
        Assert.Contains(t.Log, l => l.Type == RunLogTypes.TaskSkipped && l.TaskId == "d");
        Assert.Equal(RunStatus.Running, t.State.Status);
    }

    [Fact]
    public void Apply_NoneFailedUpstreamFails_SkipsBeforeOthersFinish()
    {
        var wf = Workflow(Task("a"), Task("b"), Task("d", "a", "b") with { Trigger = TriggerRule.NoneFailed });
        var state = Start(wf, out _);
        var t = RunStateMachine.Apply(wf, state, Err("a"));
        Assert.Equal(TaskRunStatus.Skipped, StatusOf(t.State, "d"));
    }

    [Fact]
    public void Apply_FailureInChain_PropagatesSkipUntilAllDoneOrNoneFailed()
    {
        var wf = Workflow(
            Task("a"),
            Task("b", "a"),
            Task("c", "b"),
            Task("cleanup", "c") with { Trigger = TriggerRule.AllDone },
            Task("report", "c") with { Trigger = TriggerRule.NoneFailed },
            Task("after", "report"));
        var state = Start(wf, out _);
        var t = RunStateMachine.Apply(wf, state, Err("a"));

        Assert.Equal(TaskRunStatus.Skipped, StatusOf(t.State, "b"));
        Assert.Equal("trigger all_success: upstream a failed", t.State.Tasks["b"].Reason);
        Assert.Equal(TaskRunStatus.Skipped, StatusOf(t.State, "c"));
        Assert.Equal("trigger all_success: upstream b was skipped", t.State.Tasks["c"].Reason);
        Assert.Equal(["cleanup#1", "report#1"], Invoked(t));

        var t2 = RunStateMachine.Apply(wf, RunStateMachine.Apply(wf, t.State, Ok("cleanup")).State, Ok("report"));
        Assert.Equal(["after#1"], Invoked(t2));
    }

    [Fact]
    public void Apply_DownstreamDeclaredBeforeUpstream_SkipPropagatesThroughWholeChain()
    {
        var wf = Workflow(Task("c", "b"), Task("b", "a"), Task("a"));
        var state = Start(wf, out _);
        var t = RunStateMachine.Apply(wf, state, Err("a"));
        Assert.Equal(TaskRunStatus.Skipped, StatusOf(t.State, "b"));
        Assert.Equal(TaskRunStatus.Skipped, StatusOf(t.State, "c"));
        Assert.Equal(RunStatus.Failed, t.State.Status);
    }

    [Fact]
    public void Apply_AllTasksSkippedBehindAllowedFailure_RunTerminatesSucceeded()
    {
        var wf = Workflow(Task("a") with { AllowFailure = true }, Task("b", "a"), Task("c", "b"));
        var state = Start(wf, out _);
        var t = RunStateMachine.Apply(wf, state, Err("a"));
        Assert.Equal(RunStatus.Succeeded, t.State.Status);
        Assert.Equal(TaskRunStatus.Skipped, StatusOf(t.State, "c"));
        Assert.Single(t.Commands.OfType<FinishRun>());
    }

    [Fact]
    public void Apply_UnknownUpstream_SkipsInsteadOfHanging()
    {
        var wf = Workflow(Task("a"), Task("b", "ghost"));
        var state = Start(wf, out var started);
        Assert.Equal(TaskRunStatus.Running, StatusOf(state, "a"));
        var t = RunStateMachine.Apply(wf, state, Ok("a"));
        Assert.Equal(TaskRunStatus.Skipped, StatusOf(t.State, "b"));
        Assert.Equal(RunStatus.Succeeded, t.State.Status);
        Assert.Equal(["a#1"], Invoked(started));
    }

    [Fact]
    public void Evaluate_RootTask_AlwaysRuns()
    {
        foreach (var rule in Enum.GetValues<TriggerRule>())
        {
            Assert.Equal(TriggerVerdict.Run, TriggerRules.Evaluate(rule, []).Verdict);
        }
    }

    [Fact]
    public void Evaluate_CancelledUpstream_CountsAsFailed()
    {
        UpstreamStatus[] up = [new("a", TaskRunStatus.Cancelled)];
        Assert.Equal(TriggerVerdict.Run, TriggerRules.Evaluate(TriggerRule.OneFailed, up).Verdict);
        Assert.Equal(TriggerVerdict.Skip, TriggerRules.Evaluate(TriggerRule.AllSuccess, up).Verdict);
    }

    private static string[] Deps(string outcome) => outcome == "skip" ? ["gate"] : [];

    private static RunState Finish(WorkflowDefinition wf, RunState state, string task, string outcome, List<string> invoked) =>
        outcome switch
        {
            "ok" => Step(wf, state, Ok(task, at: 2), invoked),
            "fail" => Step(wf, state, Err(task, at: 2), invoked),
            _ => state,
        };

    private static RunState Step(WorkflowDefinition wf, RunState state, RunEvent e, List<string> invoked)
    {
        var t = RunStateMachine.Apply(wf, state, e);
        invoked.AddRange(Invoked(t));
        return t.State;
    }
}
