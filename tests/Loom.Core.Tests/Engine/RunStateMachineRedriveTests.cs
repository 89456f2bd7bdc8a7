using Loom.Core.Engine;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.Engine;

/// <summary>Redrive in place: a failed or cancelled run resumes under the same id, succeeded tasks kept, attempt numbers continuing.</summary>
public sealed class RunStateMachineRedriveTests
{
    private static readonly Loom.Core.Definitions.WorkflowDefinition Chain =
        Workflow(Task("a"), Task("b", "a") with { Retry = Retries(2) }, Task("c", "b"), Task("side"));

    /// <summary>a succeeded, b failed after its two attempts, c skipped, side succeeded.</summary>
    private static RunState Failed()
    {
        var state = Start(Chain, out _);
        state = RunStateMachine.Apply(Chain, state, Ok("a", at: 1)).State;
        state = RunStateMachine.Apply(Chain, state, Ok("side", at: 1)).State;
        state = RunStateMachine.Apply(Chain, state, Err("b", 1, at: 2)).State;
        state = RunStateMachine.Apply(Chain, state, new TimerFired(TimerPurpose.Retry, "b", 1, At(3))).State;
        state = RunStateMachine.Apply(Chain, state, Err("b", 2, at: 4)).State;
        Assert.Equal(RunStatus.Failed, state.Status);
        return state;
    }

    [Fact]
    public void Redrive_FailedRun_ResetsFailedAndDownstreamAndContinuesAttemptNumbers()
    {
        var failed = Failed();

        var t = RunStateMachine.Apply(Chain, failed, new RedriveRequested([], "ops", At(10)));

        Assert.False(t.Ignored);
        Assert.Equal(RunStatus.Running, t.State.Status);
        Assert.Equal(failed.RunId, t.State.RunId);
        Assert.Null(t.State.FinishedAt);
        Assert.Equal(["b#3"], Invoked(t));
        Assert.Same(failed.Tasks["a"], t.State.Tasks["a"]);
        Assert.Same(failed.Tasks["side"], t.State.Tasks["side"]);
        Assert.Equal((TaskRunStatus.Pending, 0), (t.State.Tasks["c"].Status, t.State.Tasks["c"].AttemptBase));
        Assert.Equal(2, t.State.Tasks["b"].AttemptBase);
        var redriven = Assert.Single(t.Log, e => e.Type == RunLogTypes.RunRedriven);
        Assert.Equal("redriven by ops: tasks b, c run again", redriven.Message);
        Assert.Contains(t.Log, e => e.Type == RunLogTypes.TaskStarted && e.Message == "attempt 3 (1 of 2 since the redrive)");
    }

    [Fact]
    public void Redrive_RetryBudgetStartsAgain_AndTheRunCanSucceed()
    {
        var state = RunStateMachine.Apply(Chain, Failed(), new RedriveRequested([], "ops", At(10))).State;

        var t = RunStateMachine.Apply(Chain, state, Err("b", 3, at: 11));
        Assert.Equal(TaskRunStatus.Retrying, t.State.Tasks["b"].Status);
        state = RunStateMachine.Apply(Chain, t.State, new TimerFired(TimerPurpose.Retry, "b", 3, At(12))).State;
        state = RunStateMachine.Apply(Chain, state, Ok("b", 4, at: 13)).State;
        state = RunStateMachine.Apply(Chain, state, Ok("c", 1, at: 14)).State;

        Assert.Equal(RunStatus.Succeeded, state.Status);
        Assert.Equal(4, state.Tasks["b"].Attempt);
    }

    [Fact]
    public void Redrive_NamedTask_ResetsItAndItsDownstreamOnly()
    {
        var failed = Failed();

        Assert.Equal(["a", "b", "c"], RunStateMachine.RedriveTasks(Chain, failed, ["a"]));
        var t = RunStateMachine.Apply(Chain, failed, new RedriveRequested(["a"], "ops", At(10)));

        Assert.Equal(["a#2"], Invoked(t));
        Assert.Same(failed.Tasks["side"], t.State.Tasks["side"]);
        Assert.Equal(TaskRunStatus.Pending, t.State.Tasks["b"].Status);
    }

    [Theory]
    [InlineData(RunStatus.Running)]
    [InlineData(RunStatus.Succeeded)]
    [InlineData(RunStatus.Pending)]
    public void Redrive_RunNotFailedOrCancelled_IsIgnoredAndRefused(RunStatus status)
    {
        var state = Failed() with { Status = status };

        Assert.True(RunStateMachine.Apply(Chain, state, new RedriveRequested([], "ops", At(10))).Ignored);
        Assert.False(RunStateMachine.CanRedrive(state, out var why));
        Assert.Contains("only a failed or cancelled run", why);
    }

    [Fact]
    public void Redrive_UnknownTask_IsNamedAndIgnored()
    {
        Assert.Equal(["nope"], RunStateMachine.UnknownTasks(Chain, ["a", "nope"]));
        Assert.True(RunStateMachine.Apply(Chain, Failed(), new RedriveRequested(["nope"], "ops", At(10))).Ignored);
    }

    [Fact]
    public void Redrive_RestartsTheRunTimeout_AndATimerFromBeforeIsStale()
    {
        var wf = Chain with { Timeout = TimeSpan.FromMinutes(5) };
        var state = Start(wf, out _);
        state = RunStateMachine.Apply(wf, state, new TimerFired(TimerPurpose.RunTimeout, null, 0, At(300))).State;
        Assert.Equal(RunStatus.Failed, state.Status);

        var t = RunStateMachine.Apply(wf, state, new RedriveRequested([], "ops", At(400)));

        Assert.Equal(new StartTimer(TimerPurpose.RunTimeout, null, 1, At(700)), t.Commands[0]);
        Assert.Contains(new StartTimer(TimerPurpose.RunTimeout, null, 1, At(700)), RunStateMachine.Outstanding(wf, t.State));
        Assert.True(RunStateMachine.Apply(wf, t.State, new TimerFired(TimerPurpose.RunTimeout, null, 0, At(401))).Ignored);
        Assert.Equal(RunStatus.Failed, RunStateMachine.Apply(wf, t.State, new TimerFired(TimerPurpose.RunTimeout, null, 1, At(700))).State.Status);
    }

    [Fact]
    public void Redrive_StateRoundTripsThroughStorage()
    {
        var state = RunStateMachine.Apply(Chain, Failed(), new RedriveRequested([], "ops", At(10))).State;

        var json = RunStateJson.Serialize(state);

        Assert.Equal(json, RunStateJson.Serialize(RunStateJson.Deserialize(json)));
        Assert.Contains("\"attemptBase\":2", json);
        Assert.DoesNotContain("attemptBase", RunStateJson.Serialize(Failed()));
    }

    [Fact]
    public void Cancel_ByAKey_RecordsItsName()
    {
        var state = Start(Chain, out _);

        var t = RunStateMachine.Apply(Chain, state, new CancelRequested("enough", At(1)) { By = "ops" });

        Assert.Contains(t.Log, e => e.Type == RunLogTypes.CancelRequested && e.Message == "cancel requested by ops");
        Assert.Equal("enough", t.State.Reason);
    }

    [Fact]
    public void DeadLetters_FromTaskFailedRows_OneEachWithStableIds_AndRunOnlyWithoutAFailedTask()
    {
        var state = Start(Chain, out _);
        state = RunStateMachine.Apply(Chain, state, Ok("a", at: 1)).State;
        state = RunStateMachine.Apply(Chain, state, Err("b", 1, at: 2)).State;
        state = RunStateMachine.Apply(Chain, state, new TimerFired(TimerPurpose.Retry, "b", 1, At(3))).State;
        var before = state;
        var t = RunStateMachine.Apply(Chain, state, Err("b", 2, at: 4));
        var rows = Loom.Core.Orchestration.RunEventLog.ToRecords(state.RunId, before.EventCount, t.Log);

        var letters = DeadLetters.From(t.State, rows);

        var letter = Assert.Single(letters);
        Assert.Equal((DeadLetters.TaskKind, "b", (int?)2, "wf"), (letter.Kind, letter.TaskId, letter.Attempt, letter.WorkflowId));
        Assert.Equal(letter.Id, DeadLetters.From(t.State, rows)[0].Id);
        Assert.StartsWith((DateTimeOffset.MaxValue.UtcTicks - At(4).UtcTicks).ToString("D19", System.Globalization.CultureInfo.InvariantCulture), letter.Id);

        var wf = Chain with { Timeout = TimeSpan.FromMinutes(1) };
        var running = Start(wf, out _);
        var timedOut = RunStateMachine.Apply(wf, running, new TimerFired(TimerPurpose.RunTimeout, null, 0, At(60)));
        var runLetter = Assert.Single(DeadLetters.From(timedOut.State, Loom.Core.Orchestration.RunEventLog.ToRecords(running.RunId, running.EventCount, timedOut.Log)));
        Assert.Equal((DeadLetters.RunKind, (string?)null), (runLetter.Kind, runLetter.TaskId));
        Assert.Contains("run timeout", runLetter.Reason);
    }
}
