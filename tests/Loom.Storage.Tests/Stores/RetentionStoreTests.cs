using Azure.Data.Tables;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Retention;
using Loom.Core.Stores;
using Loom.Storage.Stores;
using Loom.Testing;

namespace Loom.Storage.Tests.Stores;

/// <summary>Core's retention sweep over the Table stores on Azurite, with time given to each sweep (the hosts pass their clock's now).</summary>
[Collection("azurite")]
public sealed class RetentionStoreTests(AzuriteFixture azurite) : StoreTestBase(azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);

    private static string Source(string id, string? retention) => $"""
        id: {id}
        {(retention is null ? "" : "retentionDays: " + retention)}
        tasks:
          - id: a
            url: https://example.com/a
        """;

    private async Task<RetentionSweep> SweepAsync(int hostDays = 30, int maxRuns = 200)
    {
        var stores = Stores;
        foreach (var (id, retention) in new[] { ("short", "1"), ("default", null), ("forever", "0") })
        {
            await stores.Workflows.RegisterAsync(id, id + retention, Source(id, retention), T0);
        }

        return new RetentionSweep(new WorkflowCatalog(stores.Workflows), (IRunRetentionStore)stores.Runs, (IDeadLetterRetentionStore)stores.DeadLetters, hostDays)
        {
            MaxRunsPerSweep = maxRuns,
        };
    }

    /// <summary>Stores a run created at <paramref name="created"/> with <paramref name="events"/> events, an attempt and a dead letter.</summary>
    private async Task<string> RunAsync(string id, string workflow, DateTimeOffset created, DateTimeOffset? finished, string status = "succeeded",
        string outbox = "", int events = 3, int attempts = 1)
    {
        var stores = Stores;
        var history = new RunHistory(
            [.. Enumerable.Range(0, events).Select(i => new RunEventRecord(id, $"e{i}", i, created.AddSeconds(i), "TaskSucceeded", "a", "{}"))],
            [.. Enumerable.Range(1, attempts).Select(n =>
                new AttemptRecord { RunId = id, TaskId = "a", Attempt = n, StartedAt = created, Duration = TimeSpan.FromSeconds(1), Outcome = "failed", StatusCode = 500 })]);
        await stores.Runs.CreateAsync(new RunRecord
        {
            RunId = id, WorkflowId = workflow, WorkflowVersion = 1, Status = status, CreatedAt = created, FinishedAt = finished, State = "{}", Outbox = outbox,
        }, history);
        var failedAt = created.AddMinutes(1);
        await stores.DeadLetters.AddAsync([new DeadLetterRecord(DeadLetters.Id(failedAt, id, "a", 1), "task", workflow, id, "a", 1, "boom", failedAt)]);
        return id;
    }

    /// <summary>Every row of any Loom table that names the run (run partition, listing index, purge records, dead letters).</summary>
    private async Task<int> RowsOfAsync(string runId)
    {
        var count = 0;
        foreach (var table in new[] { Options.RunsTable, Options.DeadLettersTable })
        {
            await foreach (var _ in Service.GetTableClient(table).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RunId eq {runId}"))) count++;
        }

        return count;
    }

    private async Task AssertKeptAsync(string runId)
    {
        var stores = Stores;
        Assert.NotNull(await stores.Runs.GetAsync(runId));
        Assert.NotEmpty(await stores.Events.ListAsync(runId));
        Assert.NotEmpty(await stores.Attempts.ListAsync(runId, null));
        Assert.Contains((await stores.DeadLetters.ListAsync(new DeadLetterQuery(RunId: runId))).Items, d => d.RunId == runId);
        Assert.Contains((await stores.Runs.ListAsync(new RunQuery(Limit: 1000))).Items, r => r.RunId == runId);
    }

    [Fact]
    public async Task Sweep_FakeNow_DeletesExactlyTheExpiredRunsWithTheirHistoryDeadLettersAndIndexRows()
    {
        var sweep = await SweepAsync();
        var expired = new[]
        {
            // More history than one transaction holds: the run row still goes last, in the final batch.
            // (A write's events share a row, so the rows are attempts.)
            await RunAsync("short-old", "short", T0, T0.AddHours(1), events: 130, attempts: 130),
            await RunAsync("short-old-failed", "short", T0.AddHours(1), T0.AddHours(2), status: "failed"),
        };
        var running = await RunAsync("short-running", "short", T0, null, status: "running");
        var recent = await RunAsync("short-recent", "short", T0.AddDays(2).AddHours(12), T0.AddDays(2).AddHours(13));
        var crossed = await RunAsync("short-crossed", "short", T0.AddDays(1), T0.AddDays(2).AddHours(1));
        var owes = await RunAsync("short-owes", "short", T0, T0.AddHours(1), status: "failed", outbox: "[{\"kind\":\"save\"}]");
        var hostDefault = await RunAsync("default-old", "default", T0, T0.AddHours(1));
        var forever = await RunAsync("forever-old", "forever", T0, T0.AddHours(1));

        // "short" keeps 1 day: its cutoff is T0 + 2 days.
        var first = await sweep.SweepAsync(T0.AddDays(3));

        Assert.Equal(expired.Order(), first.Deleted.Order());
        // Each run: its events' row, its attempt rows and the run row.
        Assert.Equal(1 + 130 + 1 + 1 + 1 + 1, first.RowsDeleted);
        foreach (var runId in expired)
        {
            Assert.Null(await Stores.Runs.GetAsync(runId));
            Assert.Empty(await Stores.Events.ListAsync(runId));
            Assert.Empty(await Stores.Attempts.ListAsync(runId, null));
            Assert.Null(await Stores.DeadLetters.GetAsync(DeadLetters.Id(T0.AddMinutes(runId == expired[0] ? 1 : 61), runId, "a", 1)));
            Assert.Equal(0, await RowsOfAsync(runId));
        }

        foreach (var runId in new[] { running, recent, crossed, owes, hostDefault, forever }) await AssertKeptAsync(runId);

        // Past the host's 30 days: the default workflow's run goes, and "short"'s finished ones; never a running run, one that
        // still owes commands, or one of a workflow that keeps runs forever.
        var second = await sweep.SweepAsync(T0.AddDays(31));

        Assert.Equal(new[] { crossed, hostDefault, recent }.Order(), second.Deleted.Order());
        foreach (var runId in second.Deleted) Assert.Equal(0, await RowsOfAsync(runId));
        foreach (var runId in new[] { running, owes, forever }) await AssertKeptAsync(runId);
        Assert.Empty((await sweep.SweepAsync(T0.AddDays(31))).Deleted);
    }

    [Fact]
    public async Task Sweep_ManyExpired_DeletesAtMostTheBatchPerSweepAndTheNextSweepGoesOn()
    {
        var sweep = await SweepAsync(maxRuns: 2);
        var runs = new List<string>();
        for (var i = 0; i < 5; i++) runs.Add(await RunAsync($"batch-{i}", "short", T0.AddMinutes(i), T0.AddMinutes(i + 1)));

        var counts = new List<int>();
        for (var i = 0; i < 4; i++) counts.Add((await sweep.SweepAsync(T0.AddDays(3))).Deleted.Count);

        Assert.Equal([2, 2, 1, 0], counts);
        foreach (var runId in runs) Assert.Equal(0, await RowsOfAsync(runId));
    }

    [Fact]
    public async Task Purge_CutShortAfterItBegan_RunIsInNoListingAndTheNextSweepCompletesIt()
    {
        var sweep = await SweepAsync();
        var runId = await RunAsync("crashed", "short", T0, T0.AddHours(1), events: 5);
        var store = (IRunRetentionStore)Stores.Runs;

        // A sweep that crashed right after its first write: the run left every listing at once.
        await store.BeginPurgeAsync((await Stores.Runs.GetAsync(runId))!);

        Assert.DoesNotContain((await Stores.Runs.ListAsync(new RunQuery(Limit: 1000))).Items, r => r.RunId == runId);
        Assert.DoesNotContain((await Stores.Runs.ListAsync(new RunQuery("short", Limit: 1000))).Items, r => r.RunId == runId);
        Assert.Equal([runId], (await store.ListPurgesAsync(10)).Select(p => p.RunId));

        // Even at a time when nothing else is due, the next sweep completes what was begun.
        var result = await sweep.SweepAsync(T0.AddHours(2));

        Assert.Equal([runId], result.Deleted);
        Assert.Equal(0, await RowsOfAsync(runId));
        Assert.Empty(await store.ListPurgesAsync(10));
    }

    [Fact]
    public async Task Purge_TwoSweepsAtOnce_DeleteEachRunOnceAndLeaveNothing()
    {
        var sweep = await SweepAsync();
        var runs = new List<string>();
        for (var i = 0; i < 6; i++) runs.Add(await RunAsync($"race-{i}", "short", T0.AddMinutes(i), T0.AddMinutes(i + 1), events: 20));

        var results = await Task.WhenAll(sweep.SweepAsync(T0.AddDays(3)), sweep.SweepAsync(T0.AddDays(3)));

        Assert.Equal(runs.Order(), results.SelectMany(r => r.Deleted).Distinct().Order());
        foreach (var runId in runs) Assert.Equal(0, await RowsOfAsync(runId));
        Assert.Empty(await ((IRunRetentionStore)Stores.Runs).ListPurgesAsync(10));
    }
}
