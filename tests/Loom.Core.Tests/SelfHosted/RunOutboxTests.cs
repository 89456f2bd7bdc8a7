using Loom.Core.Engine;
using Loom.Core.SelfHosted;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.SelfHosted;

public sealed class RunOutboxTests
{
    [Fact]
    public void Assign_IssuedCommands_BelongToTheCommitterOthersKeepTheirOwner()
    {
        var wf = Workflow(Task("a"), Task("b"));
        var state = Start(wf, out _);
        var previous = new Dictionary<string, string> { ["a#1"] = "p1:1", ["b#1"] = "p2:1" };

        var owners = RunOutbox.Assign(wf, state, previous, [new InvokeTask("b", 1)], "p3:1");

        Assert.Equal("p1:1", owners["a#1"]);
        Assert.Equal("p3:1", owners["b#1"]);
    }

    [Fact]
    public void Assign_FinishedRun_OwesNothingAndSerializesEmpty()
    {
        var wf = Workflow(Task("a"));
        var done = RunStateMachine.Apply(wf, Start(wf, out _), Ok("a"));

        var owners = RunOutbox.Assign(wf, done.State, new Dictionary<string, string> { ["a#1"] = "p1:1" }, done.Commands, "p1:1");

        Assert.Empty(owners);
        Assert.Equal("", RunOutbox.Serialize(owners));
    }

    [Fact]
    public void Claim_EveryOwnerAlive_AdoptsNothing()
    {
        var wf = Workflow(Task("a"), Task("b"));
        var state = Start(wf, out _);
        var outbox = RunOutbox.Serialize(new Dictionary<string, string> { ["a#1"] = "p1:1", ["b#1"] = "p2:1" });

        Assert.Null(RunOutbox.Claim(wf, state, outbox, _ => false, "p3:1"));
    }

    [Fact]
    public void Claim_DeadOwner_AdoptsOnlyItsItems()
    {
        var wf = Workflow(Task("a"), Task("b"));
        var state = Start(wf, out _);
        var outbox = RunOutbox.Serialize(new Dictionary<string, string> { ["a#1"] = "p1:1", ["b#1"] = "p2:1" });

        var claim = RunOutbox.Claim(wf, state, outbox, owner => owner == "p1:1", "p3:1");

        Assert.NotNull(claim);
        Assert.Equal(new InvokeTask("a", 1), Assert.Single(claim.Orphaned));
        Assert.Equal(new Dictionary<string, string> { ["a#1"] = "p3:1", ["b#1"] = "p2:1" }, RunOutbox.Deserialize(claim.Outbox));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{not json")]
    [InlineData("null")]
    public void Claim_MissingOrUnreadableOutbox_AdoptsEverything(string outbox)
    {
        var wf = Workflow(Task("a"), Task("b"));

        var claim = RunOutbox.Claim(wf, Start(wf, out _), outbox, _ => false, "p3:1");

        Assert.NotNull(claim);
        Assert.Equal(2, claim.Orphaned.Count);
    }

    [Fact]
    public void Claim_FinishedRunWithAStaleOutbox_ClearsIt()
    {
        var wf = Workflow(Task("a"));
        var done = RunStateMachine.Apply(wf, Start(wf, out _), Ok("a")).State;

        var claim = RunOutbox.Claim(wf, done, """{"a#1":"p1:1"}""", _ => false, "p3:1");

        Assert.NotNull(claim);
        Assert.Empty(claim.Orphaned);
        Assert.Equal("", claim.Outbox);
    }

    [Fact]
    public void Items_RetryingTaskAndRunTimeout_OweTimers()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(3) }) with { Timeout = TimeSpan.FromMinutes(5) };
        var retrying = RunStateMachine.Apply(wf, Start(wf, out _), Err("a")).State;

        var items = RunOutbox.Items(wf, retrying);

        Assert.IsType<StartTimer>(items["a#1"]);
        Assert.Equal(TimerPurpose.RunTimeout, Assert.IsType<StartTimer>(items["#run"]).Purpose);
    }
}
