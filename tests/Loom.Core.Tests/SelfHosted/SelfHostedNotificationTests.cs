using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.SelfHosted;

namespace Loom.Core.Tests.SelfHosted;

/// <summary>The server's notification guarantee, on the cluster model: a finished run's notification is owed in its outbox until it is recorded, so a crash between the commit and the send loses nothing.</summary>
public sealed class SelfHostedNotificationTests
{
    private static readonly WorkflowDefinition FailsAndNotifies = new()
    {
        Id = "notify",
        Notify = new NotifySpec { OnFailure = ["http://receiver/failure"] },
        Tasks = [new TaskDefinition { Id = "t0", Url = "http://backend/t0", Retry = new RetryPolicy { MaxAttempts = 1, Jitter = 0 } }],
    };

    [Fact]
    public void CrashBetweenTheFinalCommitAndTheSend_TheNextOwnerSendsItOnce_ThenNothingIsOwed()
    {
        var cluster = new SelfHostedCluster(FailsAndNotifies, new Dictionary<string, int> { ["t0"] = 1 }, processes: 2);
        cluster.Start();
        cluster.Answer(cluster.Network[0]);
        var first = cluster.Processes[0];

        first.ProcessBatch(first.Mailbox.Count, crashAfterCommit: true);

        Assert.Equal(RunStatus.Failed, cluster.Stored.Status);
        Assert.Empty(cluster.Notified);
        Assert.Contains("notify:failure", cluster.Store.Read().Outbox, StringComparison.Ordinal);

        var next = cluster.Processes[1];
        cluster.Sweep(next);
        Assert.Equal(1, cluster.Notified["failure"]);
        cluster.AnswerNotification(Assert.Single(cluster.Notifications));
        next.ProcessBatch(next.Mailbox.Count, crashAfterCommit: false);

        Assert.Null(cluster.Stored.Notices);
        Assert.Empty(cluster.Store.Read().Outbox);
        Assert.Contains(cluster.Store.Events, e => e.Type == RunLogTypes.NotificationSent);
        foreach (var p in cluster.Processes) cluster.Sweep(p);
        Assert.Equal(1, cluster.Notified["failure"]);
        Assert.Empty(cluster.Notifications);
    }

    [Fact]
    public void NoCrash_TheCommittingProcessSendsIt_AndHoldsTheRunUntilItIsRecorded()
    {
        var cluster = new SelfHostedCluster(FailsAndNotifies, new Dictionary<string, int> { ["t0"] = 1 }, processes: 2);
        cluster.Start();
        cluster.Answer(cluster.Network[0]);
        var p = cluster.Processes[0];

        p.ProcessBatch(p.Mailbox.Count, crashAfterCommit: false);
        Assert.Equal(1, cluster.Notified["failure"]);
        Assert.True(p.Holding);
        foreach (var other in cluster.Processes) cluster.Sweep(other);
        Assert.Equal(1, cluster.Notified["failure"]);

        cluster.AnswerNotification(Assert.Single(cluster.Notifications));
        p.ProcessBatch(p.Mailbox.Count, crashAfterCommit: false);

        Assert.False(p.Holding);
        Assert.Empty(cluster.Store.Read().Outbox);
        Assert.Equal(RunStatus.Failed, cluster.Stored.Status);
    }
}
