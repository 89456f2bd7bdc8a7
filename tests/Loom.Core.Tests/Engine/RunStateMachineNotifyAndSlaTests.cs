using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Orchestration;
using Loom.Core.SelfHosted;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.Engine;

/// <summary>Notifications owed by a run's outcome and sla misses: decided by the state machine, so both hosts send the same ones, once.</summary>
public sealed class RunStateMachineNotifyAndSlaTests
{
    private static readonly NotifySpec Everywhere = new() { OnFailure = ["http://hooks/f"], OnSuccess = ["http://hooks/s"], OnSlaMiss = ["http://hooks/sla"] };

    private static WorkflowDefinition Notified(params TaskDefinition[] tasks) => Workflow(tasks) with { Notify = Everywhere };

    private static NotificationReported Sent(string key, double at) => new(key, [new NotificationDelivery("http://hooks", true, "HTTP 200")], At(at));

    [Fact]
    public void Failure_OwesOnFailureOnce_UntilReportedOnTheFinishedRun()
    {
        var wf = Notified(Task("a"));
        var state = Start(wf, out _);

        var failed = RunStateMachine.Apply(wf, state, Err("a", at: 1));

        Assert.Equal(RunStatus.Failed, failed.State.Status);
        var send = Assert.Single(failed.Commands.OfType<SendNotification>());
        Assert.Equal(("failure", NotifyKind.Failure, "run-1:failure"), (send.Notice.Key, send.Notice.Kind, send.Notice.IdFor("run-1")));
        Assert.Equal([send], RunStateMachine.OwedNotifications(failed.State));
        Assert.Contains("notify:failure", RunOutbox.Items(wf, failed.State).Keys);

        var reported = RunStateMachine.Apply(wf, failed.State, Sent("failure", 2));
        Assert.False(reported.Ignored);
        Assert.Equal(RunStatus.Failed, reported.State.Status);
        Assert.Null(reported.State.Notices);
        var entry = Assert.Single(reported.Log);
        Assert.Equal((RunLogTypes.NotificationSent, "onFailure notification sent to http://hooks: HTTP 200"), (entry.Type, entry.Message));
        Assert.Empty(RunOutbox.Items(wf, reported.State));

        Assert.True(RunStateMachine.Apply(wf, reported.State, Sent("failure", 3)).Ignored);
    }

    [Fact]
    public void IsSettled_FinishedRunOwingANotification_NotSettledUntilItIsReported()
    {
        var wf = Notified(Task("a"));
        var state = Start(wf, out _);
        Assert.False(RunStateMachine.IsSettled(state));

        var failed = RunStateMachine.Apply(wf, state, Err("a", at: 1)).State;
        Assert.False(RunStateMachine.IsSettled(failed));

        Assert.True(RunStateMachine.IsSettled(RunStateMachine.Apply(wf, failed, Sent("failure", 2)).State));
    }

    [Fact]
    public void Success_OwesOnSuccess_CancelOwesNothing()
    {
        var wf = Notified(Task("a"), Task("b"));
        var state = Start(wf, out _);
        state = RunStateMachine.Apply(wf, state, Ok("a", at: 1)).State;
        var done = RunStateMachine.Apply(wf, state, Ok("b", at: 2));
        Assert.Equal("success", Assert.Single(done.Commands.OfType<SendNotification>()).Notice.Key);

        var cancelled = RunStateMachine.Apply(wf, state, new CancelRequested("stop", At(2)));
        Assert.Equal(RunStatus.Cancelled, cancelled.State.Status);
        Assert.Empty(cancelled.Commands.OfType<SendNotification>());
        Assert.Null(cancelled.State.Notices);
    }

    [Fact]
    public void NoUrlsForTheOutcome_NothingOwed()
    {
        var wf = Workflow(Task("a")) with { Notify = new NotifySpec { OnSuccess = ["http://hooks/s"], OnFailure = [] } };
        var failed = RunStateMachine.Apply(wf, Start(wf, out _), Err("a", at: 1));

        Assert.Empty(failed.Commands.OfType<SendNotification>());
        Assert.Null(failed.State.Notices);
    }

    [Fact]
    public void FailedDelivery_RecordedAsFailedForGood()
    {
        var wf = Notified(Task("a"));
        var failed = RunStateMachine.Apply(wf, Start(wf, out _), Err("a", at: 1)).State;

        var t = RunStateMachine.Apply(wf, failed, new NotificationReported("failure",
            [new NotificationDelivery("http://a", true, "HTTP 204"), new NotificationDelivery("http://b", false, "HTTP 503 (try 6)")], At(9)));

        Assert.Equal([RunLogTypes.NotificationSent, RunLogTypes.NotificationFailed], t.Log.Select(e => e.Type));
        Assert.Equal("onFailure notification not delivered to http://b: HTTP 503 (try 6)", t.Log[1].Message);
        Assert.Null(t.State.Notices);
    }

    [Fact]
    public void Redrive_FailsAgain_OwesANewNotificationUnderANewId()
    {
        var wf = Notified(Task("a"));
        var failed = RunStateMachine.Apply(wf, Start(wf, out _), Err("a", at: 1)).State;
        failed = RunStateMachine.Apply(wf, failed, Sent("failure", 2)).State;

        var redriven = RunStateMachine.Apply(wf, failed, new RedriveRequested([], "ops", At(3))).State;
        var again = RunStateMachine.Apply(wf, redriven, Err("a", 2, at: 4));

        Assert.Equal("failure#1", Assert.Single(again.Commands.OfType<SendNotification>()).Notice.Key);
    }

    [Fact]
    public void RunSla_StillRunning_MissedOnceWithItsNotification()
    {
        var wf = Notified(Task("a")) with { Sla = TimeSpan.FromMinutes(5) };
        var state = Start(wf, out var started);
        var timer = Assert.Single(started.Commands.OfType<StartTimer>(), c => c.Purpose == TimerPurpose.Sla);
        Assert.Equal((null, 0, At(300)), (timer.TaskId, timer.Attempt, timer.FireAt));
        Assert.Contains(timer, RunStateMachine.Outstanding(wf, state));

        var missed = RunStateMachine.Apply(wf, state, new TimerFired(TimerPurpose.Sla, null, 0, At(300)));

        Assert.True(missed.State.SlaMissed);
        Assert.Equal(RunStatus.Running, missed.State.Status);
        var entry = Assert.Single(missed.Log);
        Assert.Equal((RunLogTypes.SlaMissed, (string?)null, "the run is still running after its sla of 5m"), (entry.Type, entry.TaskId, entry.Message));
        Assert.Equal(("slaMiss", NotifyKind.SlaMiss), (missed.Commands.OfType<SendNotification>().Single().Notice.Key, missed.State.Notices![0].Kind));
        Assert.DoesNotContain(RunStateMachine.Outstanding(wf, missed.State), c => c is StartTimer { Purpose: TimerPurpose.Sla });
        Assert.True(RunStateMachine.Apply(wf, missed.State, new TimerFired(TimerPurpose.Sla, null, 0, At(301))).Ignored);

        // The run then fails: both notices are owed, each reported on its own.
        var failed = RunStateMachine.Apply(wf, missed.State, Err("a", at: 310)).State;
        Assert.Equal(["slaMiss", "failure"], failed.Notices!.Select(n => n.Key));
    }

    [Fact]
    public void RunSla_FinishedInTime_TimerIsIgnored()
    {
        var wf = Notified(Task("a")) with { Sla = TimeSpan.FromMinutes(5) };
        var done = RunStateMachine.Apply(wf, Start(wf, out _), Ok("a", at: 1)).State;

        Assert.True(RunStateMachine.Apply(wf, done, new TimerFired(TimerPurpose.Sla, null, 0, At(300))).Ignored);
    }

    [Fact]
    public void TaskSla_ArmedAtItsFirstAttempt_MissedWhileRetrying_NotAfterItEnds()
    {
        var wf = Notified(Task("a"), Task("b", "a") with { Sla = TimeSpan.FromSeconds(30), Retry = Retries(3) });
        var state = Start(wf, out var started);
        Assert.DoesNotContain(started.Commands, c => c is StartTimer { Purpose: TimerPurpose.Sla });

        var b = RunStateMachine.Apply(wf, state, Ok("a", at: 10));
        var timer = Assert.Single(b.Commands.OfType<StartTimer>());
        Assert.Equal((TimerPurpose.Sla, "b", At(40)), (timer.Purpose, timer.TaskId, timer.FireAt));
        Assert.Equal("b#sla", RunOutbox.KeyOf(timer));
        state = RunStateMachine.Apply(wf, b.State, Err("b", 1, at: 11)).State;
        var retried = RunStateMachine.Apply(wf, state, new TimerFired(TimerPurpose.Retry, "b", 1, At(12)));
        Assert.DoesNotContain(retried.Commands, c => c is StartTimer { Purpose: TimerPurpose.Sla });

        var missed = RunStateMachine.Apply(wf, retried.State, new TimerFired(TimerPurpose.Sla, "b", 0, At(40)));
        Assert.True(missed.State.Tasks["b"].SlaMissed);
        Assert.Equal((RunLogTypes.SlaMissed, "b", "the task is still running after its sla of 30s"), (missed.Log[0].Type, missed.Log[0].TaskId, missed.Log[0].Message));
        var notice = missed.Commands.OfType<SendNotification>().Single().Notice;
        Assert.Equal(("slaMiss:b", "b"), (notice.Key, notice.TaskId));
        Assert.True(RunStateMachine.Apply(wf, missed.State, new TimerFired(TimerPurpose.Sla, "b", 0, At(41))).Ignored);

        var finished = RunStateMachine.Apply(wf, retried.State, Ok("b", 2, at: 20)).State;
        Assert.True(RunStateMachine.Apply(wf, finished, new TimerFired(TimerPurpose.Sla, "b", 0, At(40))).Ignored);
    }

    [Fact]
    public void SlaWithoutNotify_StillLogged_NothingOwed()
    {
        var wf = Workflow(Task("a")) with { Sla = TimeSpan.FromSeconds(1) };
        var t = RunStateMachine.Apply(wf, Start(wf, out _), new TimerFired(TimerPurpose.Sla, null, 0, At(1)));

        Assert.Equal(RunLogTypes.SlaMissed, Assert.Single(t.Log).Type);
        Assert.Empty(t.Commands);
        Assert.Null(t.State.Notices);
    }

    [Fact]
    public void OwedNotices_SurviveTheStorageForm()
    {
        var wf = Notified(Task("a")) with { Sla = TimeSpan.FromSeconds(1) };
        var state = RunStateMachine.Apply(wf, Start(wf, out _), new TimerFired(TimerPurpose.Sla, null, 0, At(1))).State;

        var read = RunStateJson.Deserialize(RunStateJson.Serialize(state));

        Assert.True(read.SlaMissed);
        Assert.Equal(state.Notices, read.Notices);
        Assert.Equal(RunStateJson.Serialize(state), RunStateJson.Serialize(read));
        Assert.DoesNotContain("slaMissed", RunStateJson.Serialize(Start(wf, out _)), StringComparison.Ordinal);
    }

    [Fact]
    public void Events_LogRowsOfANotificationOnAFinishedRun_FollowTheRunsOwn()
    {
        var wf = Notified(Task("a"));
        var failed = RunStateMachine.Apply(wf, Start(wf, out _), Err("a", at: 1)).State;
        var reported = RunStateMachine.Apply(wf, failed, Sent("failure", 2));

        var rows = RunEventLog.ToRecords(failed.RunId, failed.EventCount, reported.Log);

        Assert.True(rows[0].Sequence > (failed.EventCount - 1) * RunEventLog.EntriesPerEvent);
        Assert.Equal(failed.EventCount + 1, reported.State.EventCount);
    }
}
