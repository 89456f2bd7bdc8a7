using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
using static Loom.Core.Tests.Orchestration.Workflows;

namespace Loom.Core.Tests.Orchestration;

/// <summary>The live status the Durable orchestration publishes, and the one rule that merges it over the stored run.</summary>
public sealed class RunLiveStatusTests
{
    private static readonly DateTimeOffset T0 = DurableRunHarness.T0;

    private static (RunState Stored, RunState Now) Diamond(params AttemptOutcome[] outcomes)
    {
        var workflow = Workflows.Diamond();
        var stored = RunStateMachine.Apply(workflow, RunStateMachine.Create(workflow, 1, "run-1", null, T0, T0), new RunStarted(T0)).State;
        var now = stored;
        var tasks = new[] { "a", "b", "c", "d" };
        for (var i = 0; i < outcomes.Length; i++)
        {
            var attempt = now.Tasks[tasks[i]].Attempt;
            now = RunStateMachine.Apply(workflow, now, new AttemptCompleted(tasks[i], attempt, outcomes[i], T0.AddSeconds(i + 1))).State;
        }

        return (stored, now);
    }

    private static RunLiveStatus RoundTrip(RunLiveStatus live) => RunLiveStatus.Parse(RunOrchestrationJson.ToPayload(live).GetRawText())!;

    [Fact]
    public void Merge_LiveNewerThanTheStoredRow_ShowsEachTasksLiveStatusAndAttempt()
    {
        var (stored, now) = Diamond(AttemptOutcome.Success(new System.Text.Json.Nodes.JsonObject { ["n"] = 1 }), AttemptOutcome.Success());

        var merged = RunLiveStatus.Merge(stored, RoundTrip(RunLiveStatus.From(now, 0)));

        Assert.Equal(now.Tasks.ToDictionary(t => t.Key, t => (t.Value.Status, t.Value.Attempt)), merged.Tasks.ToDictionary(t => t.Key, t => (t.Value.Status, t.Value.Attempt)));
        Assert.Equal(RunStatus.Running, merged.Status);
        Assert.Equal(now.EventCount, merged.EventCount);
        // What the live status does not carry comes with the next save: a task that moved on shows no stale output or reason.
        Assert.Null(merged.Tasks["a"].Output);
        Assert.Equal(stored.Tasks["a"].StartedAt, merged.Tasks["a"].StartedAt);
    }

    [Fact]
    public void Merge_LiveNotNewer_KeepsTheStoredStateAsItIs()
    {
        var (stored, now) = Diamond(AttemptOutcome.Success());
        var live = RunLiveStatus.From(stored, 0);

        Assert.Same(stored, RunLiveStatus.Merge(stored, live));
        Assert.Same(now, RunLiveStatus.Merge(now, RunLiveStatus.From(stored, 0)));
        Assert.Same(stored, RunLiveStatus.Merge(stored, null));
        Assert.Same(stored, RunLiveStatus.Merge(stored, RunLiveStatus.From(now, 0) with { RunId = "other" }));
    }

    [Fact]
    public void Merge_LiveRunFinalButNotStoredYet_ShowsTheRunStillRunning()
    {
        // A client that sees the run final must find its outputs, events and attempts: those arrive with the final save.
        var (stored, now) = Diamond(AttemptOutcome.Success(), AttemptOutcome.Success(), AttemptOutcome.Success(), AttemptOutcome.Success());
        Assert.Equal(RunStatus.Succeeded, now.Status);

        var merged = RunLiveStatus.Merge(stored, RunLiveStatus.From(now, 0));

        Assert.Equal(RunStatus.Running, merged.Status);
        Assert.All(merged.Tasks.Values, t => Assert.Equal(TaskRunStatus.Succeeded, t.Status));
    }

    [Fact]
    public void Merge_StoredRunFinal_IsNeverOverridden()
    {
        var (stored, _) = Diamond(AttemptOutcome.Success(), AttemptOutcome.Success(), AttemptOutcome.Success(), AttemptOutcome.Success());
        var (_, final) = Diamond(AttemptOutcome.Success(), AttemptOutcome.Success(), AttemptOutcome.Success(), AttemptOutcome.Success());
        var stale = RunLiveStatus.From(stored, 0) with { EventCount = final.EventCount + 5 };

        Assert.Same(final, RunLiveStatus.Merge(final, stale));
    }

    [Fact]
    public void Merge_HeldCallbackInTheLiveStatus_RefusesASecondCallbackAsTheStoredStateWould()
    {
        var workflow = Of(Task("async") with { Completion = CompletionMode.Callback });
        var stored = RunStateMachine.Apply(workflow, RunStateMachine.Create(workflow, 1, "run-1", null, T0, T0), new RunStarted(T0)).State;
        var now = RunStateMachine.Apply(workflow, stored, new CallbackReceived("async", 1, AttemptOutcome.Success(), T0.AddSeconds(1))).State;
        Assert.NotNull(now.Tasks["async"].HeldCallback);

        var live = RoundTrip(RunLiveStatus.From(now, 0));
        var merged = RunLiveStatus.Merge(stored, live);

        Assert.Equal("running:1:held", live.Tasks!["async"]);
        Assert.Null(RunStateMachine.CallbackRefusal(stored, "async", 1));
        Assert.NotNull(RunStateMachine.CallbackRefusal(merged, "async", 1));
    }

    [Fact]
    public void From_PendingTasksLeftOut_TooManyTasksPublishesNone()
    {
        var (stored, _) = Diamond();
        Assert.Equal(["a"], RunLiveStatus.From(stored, 3).Tasks!.Keys);
        Assert.Equal(3, RunLiveStatus.From(stored, 3).Generation);

        var many = Of([.. Enumerable.Range(0, 400).Select(i => Task($"t{i:D4}"))]);
        var started = RunStateMachine.Apply(many, RunStateMachine.Create(many, 1, "run-2", null, T0, T0), new RunStarted(T0)).State;
        var live = RunLiveStatus.From(started, 0);

        Assert.Null(live.Tasks);
        Assert.Equal(RunStatus.Running, live.Status);
        Assert.True(RunOrchestrationJson.ToPayload(RunLiveStatus.From(RunStateMachine.Create(many, 1, "run-2", null, T0, T0), 0)).GetRawText().Length < RunLiveStatus.MaxChars);
    }

    [Fact]
    public void From_JustUnderTheBudget_ItsJsonFitsTheBudget()
    {
        // The size estimate must never under-count: grow the task count until the tasks no longer fit, and check the last that did.
        RunLiveStatus? fitting = null;
        for (var n = 50; n < 400; n += 5)
        {
            var wf = Of([.. Enumerable.Range(0, n).Select(i => Task($"task-{i:D4}"))]);
            var live = RunLiveStatus.From(RunStateMachine.Apply(wf, RunStateMachine.Create(wf, 1, "run-3", null, T0, T0), new RunStarted(T0)).State, 12);
            if (live.Tasks is null) break;
            fitting = live;
        }

        Assert.NotNull(fitting);
        Assert.InRange(RunOrchestrationJson.ToPayload(fitting).GetRawText().Length, RunLiveStatus.MaxChars - 400, RunLiveStatus.MaxChars);
    }

    [Fact]
    public void CarriesTasks_AtEveryTaskCountAroundTheBudget_SaysWhatFromPublishes()
    {
        // The loop decides with CarriesTasks at every step and builds the status with From once per episode: they must agree.
        var seen = new HashSet<bool>();
        for (var n = 150; n < 320; n++)
        {
            var wf = Of([.. Enumerable.Range(0, n).Select(i => Task($"task-{i:D4}"))]);
            var state = RunStateMachine.Apply(wf, RunStateMachine.Create(wf, 1, "run-4", null, T0, T0), new RunStarted(T0)).State;
            var carries = RunLiveStatus.CarriesTasks(state);
            Assert.Equal(RunLiveStatus.From(state, 0).Tasks is not null, carries);
            seen.Add(carries);
        }

        Assert.Equal([true, false], seen.Order().Reverse());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{\"runId\":\"run-1\",\"status\":\"running\",\"tasks\":{\"running\":2},\"generation\":0}")]
    [InlineData("[1,2]")]
    public void Parse_SomethingElse_IsNull(string? json) => Assert.Null(RunLiveStatus.Parse(json));

    [Fact]
    public void Merge_UnreadableTaskCode_KeepsTheStoredTask()
    {
        var (stored, now) = Diamond(AttemptOutcome.Success());
        var live = RunLiveStatus.From(now, 0) with { Tasks = new Dictionary<string, string> { ["a"] = "bogus", ["b"] = "running:1", ["c"] = "running:1" } };

        var merged = RunLiveStatus.Merge(stored, live);

        Assert.Same(stored.Tasks["a"], merged.Tasks["a"]);
        Assert.Equal(TaskRunStatus.Running, merged.Tasks["b"].Status);
    }
}
