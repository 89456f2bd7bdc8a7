using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
using Loom.Core.Stores;
using static Loom.Core.Tests.Orchestration.Workflows;

namespace Loom.Core.Tests.Orchestration;

/// <summary>The Function App driver's start (the run created started) and its repair rule, and the loop that takes over from that start.</summary>
public sealed class DurableRunStartTests
{
    private static readonly DateTimeOffset T0 = DurableRunHarness.T0;

    [Fact]
    public void Of_Diamond_TheRowIsStartedWithTheStartsEventRowsAndTheFirstAttemptIsCarried()
    {
        var pending = RunStateMachine.Create(Diamond(), 1, "run-1", null, T0, T0);

        var start = DurableRunStart.Of(Diamond(), pending, "schedule", T0.AddSeconds(2));

        var expected = RunStateMachine.Apply(Diamond(), pending, new RunStarted(T0.AddSeconds(2)));
        Assert.Equal(RunStateJson.Serialize(expected.State), start.Record.State);
        Assert.Equal("running", start.Record.Status);
        Assert.Equal("schedule", start.Record.Trigger);
        Assert.Null(start.Record.ETag);
        Assert.Equal(RunEventLog.ToRecords("run-1", pending.EventCount, expected.Log), start.History.Events);
        Assert.Contains(start.History.Events, e => e.Type == RunLogTypes.RunStarted);
        Assert.Empty(start.History.Attempts);
        Assert.Equal([new InvokeTask("a", 1)], start.Carried.Invokes);
        Assert.Empty(start.Carried.Timers);
        Assert.Empty(start.Carried.Callbacks);
    }

    [Fact]
    public void RunAsync_StartedByTheDriver_SendsWhatTheMachineCommandsAndSavesOnlyTheFinalState()
    {
        var run = new DurableRunHarness(Diamond(), startedByDriver: true);

        run.RunUntilIdle();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        Assert.Equal(["a#1", "b#1", "c#1", "d#1"], run.SentAttempts);
        run.AssertMatchesMachine();

        // The start was stored by the driver's create: the only save is the final one, and the event rows of the create and of
        // that save together are the whole log, each row once, in order.
        var save = Assert.Single(run.Saves);
        Assert.Equal(RunStatus.Succeeded, save.State.Status);
        var rows = run.Start!.History.Events.Concat(save.Events).ToList();
        Assert.Equal(rows.Count, rows.Select(r => r.EventId).Distinct().Count());
        Assert.Equal(rows.Select(r => r.Sequence).Order(), rows.Select(r => r.Sequence));
        Assert.Equal(["a#1", "b#1", "c#1", "d#1"], run.SavedAttempts.Order());
    }

    [Fact]
    public void RunAsync_StartedByTheDriverWithARunTimeout_TheCarriedTimerFailsTheRun()
    {
        var wf = Of(Task("forever")) with { Timeout = TimeSpan.FromMinutes(15) };
        var run = new DurableRunHarness(wf, startedByDriver: true);
        Assert.Equal(T0.AddMinutes(15), Assert.Single(run.Context.PendingTimers).FireAt);
        Assert.Equal(["forever#1"], run.SentAttempts);
        Assert.Empty(run.Saves);

        run.FireNextTimer();
        run.CompleteSaves();

        Assert.Equal(RunStatus.Failed, run.Result.Status);
        Assert.Equal(RunStatus.Failed, Assert.Single(run.Saves).State.Status);
        run.AssertMatchesMachine();
    }

    [Fact]
    public void RunAsync_StartedByTheDriverThenLive_TheApiSeesProgressWithoutASave()
    {
        var run = new DurableRunHarness(Diamond(), startedByDriver: true);
        run.CompleteNextInvoke();

        Assert.Empty(run.Saves);
        var seen = RunLiveStatus.Merge(run.Start!.State, run.Live);
        Assert.Equal(TaskRunStatus.Succeeded, seen.Tasks["a"].Status);
        Assert.Equal(TaskRunStatus.Running, seen.Tasks["b"].Status);
    }

    private static RunRecord Stored(RunState state, DateTimeOffset createdAt) => RunSnapshots.Merge(null, state)! with { CreatedAt = createdAt };

    [Fact]
    public void StateToRestart_RunningOrPendingRowOlderThanTheGrace_IsRestartedFromItsState()
    {
        var pending = RunStateMachine.Create(Diamond(), 1, "run-1", null, T0, T0);
        var started = DurableRunStart.Of(Diamond(), pending, "manual", T0).State;
        var now = T0 + DurableRunRepair.After;

        Assert.Equal(RunStateJson.Serialize(started), RunStateJson.Serialize(DurableRunRepair.StateToRestart(Stored(started, T0), now)!));
        Assert.Equal(RunStatus.Pending, DurableRunRepair.StateToRestart(Stored(pending, T0), now)!.Status);
    }

    [Fact]
    public void StateToRestart_NoRowYoungRowFinalRunOrUnreadableState_NothingToRepair()
    {
        var pending = RunStateMachine.Create(Diamond(), 1, "run-1", null, T0, T0);
        var started = DurableRunStart.Of(Diamond(), pending, "manual", T0).State;
        var cancelled = RunStateMachine.Apply(Diamond(), started, new CancelRequested("stop", T0)).State;
        var later = T0 + DurableRunRepair.After + TimeSpan.FromHours(1);

        Assert.Null(DurableRunRepair.StateToRestart(null, later));
        Assert.Null(DurableRunRepair.StateToRestart(Stored(started, T0), T0 + DurableRunRepair.After - TimeSpan.FromMilliseconds(1)));
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        Assert.Null(DurableRunRepair.StateToRestart(Stored(cancelled, T0), later));
        Assert.Null(DurableRunRepair.StateToRestart(Stored(started, T0) with { State = "{not json" }, later));
    }
}
