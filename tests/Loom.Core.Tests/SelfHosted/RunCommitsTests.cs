using Loom.Core.Engine;
using Loom.Core.SelfHosted;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.SelfHosted;

public sealed class RunCommitsTests
{
    [Fact]
    public void Start_NamesTheStarterAsOwnerAndLogsTheStart()
    {
        var wf = Workflow(Task("a"), Task("b", "a"));
        var pending = RunStateMachine.Create(wf, 1, "run-1", null, T0, T0);
        var started = RunStateMachine.Apply(wf, pending, new RunStarted(T0));

        var commit = RunCommits.Start(wf, pending, started, "manual", "p1:1");

        Assert.Equal("running", commit.Record.Status);
        Assert.Equal("manual", commit.Record.Trigger);
        Assert.Null(commit.Record.ETag);
        Assert.Equal(new Dictionary<string, string> { ["a#1"] = "p1:1" }, RunOutbox.Deserialize(commit.Record.Outbox));
        Assert.NotEmpty(commit.History.Events);
        Assert.Empty(commit.History.Attempts);
    }

    [Fact]
    public void Change_KeepsETagCreatedAtAndTriggerAndContinuesTheLogSequence()
    {
        var wf = Workflow(Task("a"), Task("b", "a"));
        var pending = RunStateMachine.Create(wf, 1, "run-1", null, T0, T0);
        var started = RunStateMachine.Apply(wf, pending, new RunStarted(T0));
        var stored = RunCommits.Start(wf, pending, started, "cron", "p1:1").Record with { ETag = "e1", CreatedAt = T0.AddDays(-1) };
        var next = RunStateMachine.Apply(wf, started.State, Ok("a"));

        var commit = RunCommits.Change(wf, stored, started.State, next.State, next.Commands, next.Log, [], "p2:1");

        Assert.Equal("e1", commit.Record.ETag);
        Assert.Equal(T0.AddDays(-1), commit.Record.CreatedAt);
        Assert.Equal("cron", commit.Record.Trigger);
        Assert.Equal(new Dictionary<string, string> { ["b#1"] = "p2:1" }, RunOutbox.Deserialize(commit.Record.Outbox));
        var firstSequence = RunCommits.Start(wf, pending, started, "cron", "p1:1").History.Events.Max(e => e.Sequence);
        Assert.All(commit.History.Events, e => Assert.True(e.Sequence > firstSequence));
    }
}
