using System.Text.Json;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
using static Loom.Core.Tests.Orchestration.Workflows;

namespace Loom.Core.Tests.Orchestration;

/// <summary>Notifications on the Durable loop, under the replaying double: sent after the final save, one activity per URL, recorded with a save after.</summary>
public sealed class DurableRunNotificationTests
{
    private static readonly WorkflowDefinition Failing = Of(Task("a")) with
    {
        Notify = new NotifySpec { OnFailure = ["http://hooks/one", "http://hooks/two"] },
    };

    private static List<(string Name, string Input)> Calls(DurableRunHarness run) => [.. run.Context.ActivityCalls.Select(c => (c.Name, c.InputJson))];

    [Fact]
    public void FailedRun_NotifiesEveryUrlAfterTheFinalSave_AndRecordsSentAndFailed()
    {
        var run = new DurableRunHarness(Failing);
        run.Respond = _ => AttemptOutcome.Fail(FailureClass.ClientError, "HTTP 400: no", 400);
        run.RunUntilIdle();

        Assert.False(run.Context.IsCompleted);
        Assert.Equal(RunStatus.Failed, run.LastSaved.Status);
        Assert.Equal("failure", Assert.Single(run.LastSaved.Notices!).Key);
        var calls = Calls(run);
        var finalSave = calls.FindLastIndex(c => c.Name == DurableRunOrchestrator.SaveRunActivity);
        var notifies = calls.Select((c, i) => (c, i)).Where(x => x.c.Name == DurableRunOrchestrator.NotifyActivity).ToList();
        Assert.Equal(2, notifies.Count);
        Assert.All(notifies, n => Assert.True(n.i > finalSave, "a notification went out before the run's final state was saved"));
        var inputs = notifies.Select(n => JsonSerializer.Deserialize<NotificationInput>(n.c.Input, ReplayOrchestrationContext.Json)!).ToList();
        Assert.Equal([["http://hooks/one"], ["http://hooks/two"]], inputs.Select(i => i.Urls));
        Assert.All(inputs, i => Assert.Equal(("run-1:failure", RunStatus.Failed), (i.Id, i.Status)));
        Assert.Equal(DurableRunOrchestrator.NotifyRetry, run.Context.Retries[DurableRunOrchestrator.NotifyActivity]);

        var pending = run.Context.PendingActivities.Where(a => a.Name == DurableRunOrchestrator.NotifyActivity).ToList();
        run.Context.CompleteActivity(pending[0].Sequence, new NotificationDelivery("http://hooks", true, "HTTP 200"));
        run.Context.FailActivity(pending[1].Sequence, "HTTP 503: down");
        run.CompleteSaves();

        Assert.True(run.Context.IsCompleted);
        Assert.Null(run.LastSaved.Notices);
        var rows = run.Saves[^1].Events;
        Assert.Equal([RunLogTypes.NotificationSent, RunLogTypes.NotificationFailed], rows.Select(r => r.Type));
        Assert.Contains("not delivered to http://hooks: HTTP 503: down (gave up after 6 tries)", rows[1].Data, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Failed, run.Result.Status);
    }

    [Fact]
    public void SlaMissWhileRunning_NotifiedAtOnce_TheRunGoesOn()
    {
        var wf = Of(Task("a")) with { Sla = TimeSpan.FromSeconds(30), Notify = new NotifySpec { OnSlaMiss = ["http://hooks/sla"] } };
        var run = new DurableRunHarness(wf);
        run.CompleteSaves();
        Assert.Single(run.PendingInvokes);

        run.FireNextTimer();

        var notify = Assert.Single(run.Context.PendingActivities, a => a.Name == DurableRunOrchestrator.NotifyActivity);
        Assert.Equal(("run-1:slaMiss", RunStatus.Running), (notify.Input<NotificationInput>().Id, notify.Input<NotificationInput>().Status));
        run.Context.CompleteActivity(notify.Sequence, new NotificationDelivery("http://hooks", true, "HTTP 200"));
        run.RunUntilIdle();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(RunStatus.Succeeded, run.LastSaved.Status);
        var types = run.Saves.SelectMany(s => s.Events).Select(e => e.Type).ToList();
        Assert.Contains(RunLogTypes.SlaMissed, types);
        Assert.Contains(RunLogTypes.NotificationSent, types);
        Assert.Single(run.Context.ActivityCalls, c => c.Name == DurableRunOrchestrator.NotifyActivity);
    }
}
