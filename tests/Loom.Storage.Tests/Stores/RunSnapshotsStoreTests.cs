using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Orchestration;
using Loom.Core.Stores;
using Loom.Testing;

namespace Loom.Storage.Tests.Stores;

/// <summary>The Function App's <c>SaveRun</c> against the real table stores: snapshot and log rows written together, re-deliveries harmless.</summary>
[Collection("azurite")]
public sealed class RunSnapshotsStoreTests(AzuriteFixture azurite) : StoreTestBase(azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    private static readonly WorkflowDefinition Workflow = WorkflowParser.Parse("""
        id: snap
        tasks:
          - id: a
            url: https://backend.example/a
          - id: b
            url: https://backend.example/b
            dependsOn: [a]
        """).Definition!;

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
}
