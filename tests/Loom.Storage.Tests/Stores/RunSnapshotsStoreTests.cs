using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
using Loom.Core.Statistics;
using Loom.Core.Stores;
using Loom.Testing;

namespace Loom.Storage.Tests.Stores;

/// <summary>The Function App's <c>SaveRun</c> against the real table stores: snapshot and log rows written together, re-deliveries harmless.</summary>
[Collection("azurite")]
public sealed class RunSnapshotsStoreTests(AzuriteFixture azurite) : StoreTestBase(azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    private const string Source = """
        id: snap
        tasks:
          - id: a
            url: https://backend.example/a
          - id: b
            url: https://backend.example/b
            dependsOn: [a]
        """;

    private static readonly WorkflowDefinition Workflow = WorkflowParser.Parse(Source).Definition!;

    /// <summary>The catalog the InvokeTask activity reads the run's workflow version from, with <see cref="Source"/> registered as version 1.</summary>
    private async Task<WorkflowCatalog> CatalogAsync()
    {
        Assert.Equal(1, (await Stores.Workflows.RegisterAsync(Workflow.Id, "hash-1", Source, T0)).Version);
        return new WorkflowCatalog(Stores.Workflows);
    }

    private static RunEventRecord Event(string runId, long sequence) =>
        new(runId, $"{runId}#{sequence}", sequence, T0.AddSeconds(sequence), "taskStarted", "a", "{}");

    [Fact]
    public async Task SaveAsync_NewThenNewerThenRedelivered_StoresLatestSnapshotAndEveryEventOnce()
    {
        var created = RunStateMachine.Create(Workflow, 1, "snap@1", null, T0, T0);
        var started = RunStateMachine.Apply(Workflow, created, new RunStarted(T0)).State;
        var later = started with { EventCount = started.EventCount + 5 };

        Assert.True((await RunSnapshots.SaveAsync(Stores.Runs, Stores.Events, Stores.Attempts, new SaveRunInput(started, [Event("snap@1", 0), Event("snap@1", 1)]))).Written);
        Assert.True((await RunSnapshots.SaveAsync(Stores.Runs, Stores.Events, Stores.Attempts, new SaveRunInput(later, [Event("snap@1", 2)]))).Written);
        // Durable delivers the first save again: the newer snapshot stays, no event is doubled or lost.
        Assert.False((await RunSnapshots.SaveAsync(Stores.Runs, Stores.Events, Stores.Attempts, new SaveRunInput(started, [Event("snap@1", 0), Event("snap@1", 1)]))).Written);

        var stored = await Stores.Runs.GetAsync("snap@1");
        Assert.Equal(later.EventCount, RunStateJson.Deserialize(stored!.State).EventCount);
        Assert.Equal([0L, 1, 2], (await Stores.Events.ListAsync("snap@1")).Select(e => e.Sequence));
    }

    [Fact]
    public async Task SaveAsync_SnapshotAlreadyNewer_StillAppendsTheEventsItCarries()
    {
        var created = RunStateMachine.Create(Workflow, 1, "snap@2", null, T0, T0);
        var started = RunStateMachine.Apply(Workflow, created, new RunStarted(T0)).State;
        var later = started with { EventCount = started.EventCount + 5 };
        Assert.True((await RunSnapshots.SaveAsync(Stores.Runs, Stores.Events, Stores.Attempts, new SaveRunInput(later, []))).Written);

        Assert.False((await RunSnapshots.SaveAsync(Stores.Runs, Stores.Events, Stores.Attempts, new SaveRunInput(started, [Event("snap@2", 0)]))).Written);

        Assert.Equal([0L], (await Stores.Events.ListAsync("snap@2")).Select(e => e.Sequence));
    }

    /// <summary>A run stored running with a done and b's attempt sent with a finish offer over the stored row.</summary>
    private async Task<(RunState Running, InvokeTaskInput Last)> LastAttemptAsync(string runId)
    {
        var created = RunStateMachine.Create(Workflow, 1, runId, null, T0, T0);
        var started = RunStateMachine.Apply(Workflow, created, new RunStarted(T0)).State;
        var running = RunStateMachine.Apply(Workflow, started, new AttemptCompleted("a", 1, AttemptOutcome.Success(), T0.AddSeconds(1))).State;
        var saved = await RunSnapshots.SaveAsync(Stores.Runs, Stores.Events, Stores.Attempts, new SaveRunInput(running, []));
        var last = InvokeTaskInputs.Build(Workflow, running, new InvokeTask("b", 1)) with
        {
            Finish = new FinishOffer(running, [], [], saved.Stored!.ETag, saved.Stored.Trigger, null),
        };
        return (running, last);
    }

    private static readonly AttemptOutcome BadRequest = AttemptOutcome.Fail(FailureClass.ClientError, "bad request", 400);

    private async Task<RunStatsBucket> StatsAsync(DateTimeOffset at) =>
        (await Stores.Stats.GetAsync(Workflow.Id, RunStatsBucket.HourOf(at)))?.Bucket ?? new RunStatsBucket(Workflow.Id, RunStatsBucket.HourOf(at));

    [Fact]
    public async Task FinishAsync_RowUnchanged_StoresTheEndWithItsRowsThenCountsItAndAddsItsDeadLetters()
    {
        var (_, last) = await LastAttemptAsync("fin@1");
        var at = T0.AddSeconds(2);
        var record = AttemptRecords.From(last, at, "POST b", BadRequest);

        var finished = await RunFinisher.FinishAsync(await CatalogAsync(), Stores.Runs, Stores.DeadLetters, new RunStatsRecorder(Stores.Stats), last, BadRequest, record, at);

        Assert.NotNull(finished);
        var row = (await Stores.Runs.GetAsync("fin@1"))!;
        Assert.Equal(finished.Stored.ETag, row.ETag);
        Assert.Equal("failed", row.Status);
        Assert.Equal(finished.EventCount, RunStateJson.Deserialize(row.State).EventCount);
        Assert.Contains(await Stores.Events.ListAsync("fin@1"), e => e.Type == RunLogTypes.TaskFailed && e.TaskId == "b");
        Assert.Equal(400, (await Stores.Attempts.ListAsync("fin@1", null)).Single(a => a.TaskId == "b").StatusCode);
        Assert.Equal(1, (await StatsAsync(at)).Failed);
        Assert.Contains((await Stores.DeadLetters.ListAsync(new DeadLetterQuery(RunId: "fin@1"))).Items, d => d.TaskId == "b");
    }

    [Fact]
    public async Task FinishAsync_RowChangedSince_StoresAndCountsNothing()
    {
        var (running, last) = await LastAttemptAsync("fin@2");
        var cancelled = RunStateMachine.Apply(Workflow, running, new CancelRequested("stop", T0.AddSeconds(2))).State;
        var stored = (await Stores.Runs.GetAsync("fin@2"))!;
        Assert.True((await RunSnapshots.SaveAsync(Stores.Runs, Stores.Events, Stores.Attempts,
            new SaveRunInput(cancelled, [], Stored: new StoredRun(stored.ETag!, stored.Trigger)) { BasedOn = running.EventCount })).Written);
        var events = (await Stores.Events.ListAsync("fin@2")).Count;
        var at = T0.AddSeconds(3);

        var finished = await RunFinisher.FinishAsync(await CatalogAsync(), Stores.Runs, Stores.DeadLetters, new RunStatsRecorder(Stores.Stats), last, BadRequest,
            AttemptRecords.From(last, at, "POST b", BadRequest), at);

        Assert.Null(finished);
        Assert.Equal("cancelled", (await Stores.Runs.GetAsync("fin@2"))!.Status);
        Assert.Equal(events, (await Stores.Events.ListAsync("fin@2")).Count);
        Assert.Equal(0, (await StatsAsync(at)).Failed);
        Assert.Empty((await Stores.DeadLetters.ListAsync(new DeadLetterQuery(RunId: "fin@2"))).Items);
    }

    [Fact]
    public async Task SaveAsync_BasedOn_AnAttemptStoredTheEndFirst_YieldsAddsNoRowsAndCountsWhatIsStored()
    {
        // The attempt's write landed and its host died before counting the run or adding its dead letters.
        var (running, last) = await LastAttemptAsync("fin@3");
        var at = T0.AddSeconds(2);
        var end = RunFinisher.SaveFor(Workflow, last, BadRequest, AttemptRecords.From(last, at, "POST b", BadRequest), at)!;
        var row = RunSnapshots.Merge(null, end.State, end.Stored!.Trigger)! with { ETag = end.Stored.ETag };
        await Stores.Runs.UpdateAsync(row, new RunHistory(end.Events, end.Attempts!));
        var events = await Stores.Events.ListAsync("fin@3");

        // The orchestration, which never heard of it, cancels the run from the state before.
        var cancel = RunStateMachine.Apply(Workflow, running, new CancelRequested("stop", T0.AddSeconds(3)));
        var save = new SaveRunInput(cancel.State, RunEventLog.ToRecords("fin@3", running.EventCount, cancel.Log), Stored: end.Stored) { BasedOn = running.EventCount };
        var result = await RunSnapshots.SaveAsync(Stores.Runs, Stores.Events, Stores.Attempts, Stores.DeadLetters, new RunStatsRecorder(Stores.Stats), save);

        Assert.False(result.Written);
        Assert.Equal(RunStateJson.Serialize(end.State), RunStateJson.Serialize(result.Overtaken!));
        Assert.Equal(RunStateJson.Serialize(end.State), (await Stores.Runs.GetAsync("fin@3"))!.State);
        Assert.Equal(events.Select(e => (e.Sequence, e.Type)), (await Stores.Events.ListAsync("fin@3")).Select(e => (e.Sequence, e.Type)));
        var stats = await StatsAsync(at);
        Assert.Equal((1L, 0L), (stats.Failed, stats.Cancelled));
        Assert.Contains((await Stores.DeadLetters.ListAsync(new DeadLetterQuery(RunId: "fin@3"))).Items, d => d.TaskId == "b");
    }
}
