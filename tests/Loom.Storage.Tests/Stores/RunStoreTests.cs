using Loom.Core.Stores;
using Loom.Testing;

namespace Loom.Storage.Tests.Stores;

[Collection("azurite")]
public sealed class RunStoreTests(AzuriteFixture azurite) : StoreTestBase(azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    private static RunRecord Run(string id, string workflow = "wf", int minute = 0, string status = "pending", string outbox = "") => new()
    {
        RunId = id,
        WorkflowId = workflow,
        WorkflowVersion = 3,
        Status = status,
        CreatedAt = T0.AddMinutes(minute),
        ScheduledAt = T0.AddMinutes(minute).AddSeconds(-1),
        Trigger = "schedule",
        State = "{\"tasks\":{}}",
        Outbox = outbox,
    };

    [Fact]
    public async Task CreateGetUpdate_RoundTripWithETags()
    {
        var store = Stores.Runs;
        var created = await store.CreateAsync(Run("r1", outbox: "[\"invoke a\"]"));
        Assert.False(string.IsNullOrEmpty(created.ETag));

        var read = await store.GetAsync("r1");
        Assert.Equal(created, read);

        var updated = await store.UpdateAsync(read! with { Status = "succeeded", FinishedAt = T0.AddMinutes(5), State = "{\"done\":true}", Outbox = "" });
        Assert.NotEqual(created.ETag, updated.ETag);
        Assert.Equal(updated, await store.GetAsync("r1"));
        Assert.Null(await store.GetAsync("missing"));
    }

    [Fact]
    public async Task Create_Existing_ThrowsStoreConflict()
    {
        var store = Stores.Runs;
        await store.CreateAsync(Run("dup"));
        await Assert.ThrowsAsync<StoreConflictException>(() => store.CreateAsync(Run("dup", minute: 7)));

        // The failed create's index rows (another CreatedAt) must not show up as a second run.
        var page = await store.ListAsync(new RunQuery());
        Assert.Single(page.Items, r => r.RunId == "dup");
    }

    [Fact]
    public async Task Update_StaleETag_ThrowsStoreConcurrency()
    {
        var store = Stores.Runs;
        var created = await store.CreateAsync(Run("stale"));
        await store.UpdateAsync(created with { Status = "running" });
        await Assert.ThrowsAsync<StoreConcurrencyException>(() => store.UpdateAsync(created with { Status = "failed" }));
        await Assert.ThrowsAsync<StoreConcurrencyException>(() => store.UpdateAsync(created with { ETag = null }));
        await Assert.ThrowsAsync<StoreConcurrencyException>(() => store.UpdateAsync(Run("never-created") with { ETag = created.ETag }));
        Assert.Equal("running", (await store.GetAsync("stale"))!.Status);
    }

    [Fact]
    public async Task Update_TwoConcurrentWriters_OneWins()
    {
        var store = Stores.Runs;
        var created = await store.CreateAsync(Run("race"));
        var results = await Task.WhenAll(new[] { "a", "b" }.Select(async writer =>
        {
            try
            {
                await store.UpdateAsync(created with { State = writer });
                return writer;
            }
            catch (StoreConcurrencyException)
            {
                return null;
            }
        }));
        var winner = Assert.Single(results, r => r is not null);
        Assert.Equal(winner, (await store.GetAsync("race"))!.State);
    }

    [Fact]
    public async Task List_NewestFirst_AcrossAndPerWorkflow_PagesWithContinuation()
    {
        var store = Stores.Runs;
        for (var i = 0; i < 25; i++)
        {
            await store.CreateAsync(Run($"run-{i:D2}", workflow: i % 2 == 0 ? "even" : "odd", minute: i));
        }

        var all = await ReadAllAsync(store, new RunQuery(Limit: 10));
        Assert.Equal(3, all.Pages);
        Assert.Equal(Enumerable.Range(0, 25).Reverse().Select(i => $"run-{i:D2}"), all.Items.Select(r => r.RunId));

        var even = await ReadAllAsync(store, new RunQuery(WorkflowId: "even", Limit: 5));
        Assert.Equal(Enumerable.Range(0, 25).Where(i => i % 2 == 0).Reverse().Select(i => $"run-{i:D2}"), even.Items.Select(r => r.RunId));
        Assert.All(even.Items, r => Assert.False(string.IsNullOrEmpty(r.ETag)));

        var since = await ReadAllAsync(store, new RunQuery(WorkflowId: "odd", Since: T0.AddMinutes(20), Limit: 50));
        Assert.Equal(["run-23", "run-21"], since.Items.Select(r => r.RunId));
        Assert.Equal(1, since.Pages);

        Assert.Empty((await store.ListAsync(new RunQuery(WorkflowId: "none"))).Items);
    }

    [Fact]
    public async Task List_StatusFilter_FollowsUpdates()
    {
        var store = Stores.Runs;
        var a = await store.CreateAsync(Run("a", minute: 1));
        await store.CreateAsync(Run("b", minute: 2));
        Assert.Equal(["b", "a"], (await store.ListAsync(new RunQuery(Status: "pending"))).Items.Select(r => r.RunId));
        var paged = await ReadAllAsync(store, new RunQuery(Status: "pending", Limit: 1));
        Assert.Equal(["b", "a"], paged.Items.Select(r => r.RunId));

        await store.UpdateAsync(a with { Status = "succeeded" });
        Assert.Equal(["b"], (await store.ListAsync(new RunQuery(Status: "pending"))).Items.Select(r => r.RunId));
        Assert.Equal(["a"], (await store.ListAsync(new RunQuery(WorkflowId: "wf", Status: "succeeded"))).Items.Select(r => r.RunId));
    }

    [Fact]
    public async Task List_BadContinuation_ThrowsArgumentException()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Stores.Runs.ListAsync(new RunQuery(Continuation: "not-a-token!")));
    }

    private static RunEventRecord Event(string run, long sequence) =>
        new(run, $"{run}#{sequence}", sequence, T0.AddSeconds(sequence), "taskSucceeded", "t", $"{{\"n\":{sequence}}}");

    private static AttemptRecord Attempt(string run, string task, int attempt) => new()
    {
        RunId = run,
        TaskId = task,
        Attempt = attempt,
        StartedAt = T0.AddSeconds(attempt),
        Duration = TimeSpan.FromMilliseconds(12),
        Outcome = "succeeded",
        StatusCode = 200,
        RequestSummary = "POST http://backend/x",
        Output = "{\"rows\":1}",
    };

    [Fact]
    public async Task CreateAndUpdate_WithHistory_WriteTheRunItsEventsAndAttemptsTogether()
    {
        var created = await Stores.Runs.CreateAsync(Run("h1", outbox: "[1]"), new RunHistory([Event("h1", 0), Event("h1", 1)], []));
        var updated = await Stores.Runs.UpdateAsync(
            created with { Status = "running" }, new RunHistory([Event("h1", 2)], [Attempt("h1", "t", 1), Attempt("h1", "u", 1)]));

        Assert.Equal(updated, await Stores.Runs.GetAsync("h1"));
        Assert.Equal([0L, 1, 2], (await Stores.Events.ListAsync("h1")).Select(e => e.Sequence));
        Assert.Equal(Attempt("h1", "t", 1), Assert.Single(await Stores.Attempts.ListAsync("h1", "t")));
        Assert.Equal(2, (await Stores.Attempts.ListAsync("h1", null)).Count);
    }

    [Fact]
    public async Task Update_WithHistory_StaleETag_WritesNothingAtAll()
    {
        var created = await Stores.Runs.CreateAsync(Run("h2"), new RunHistory([Event("h2", 0)], []));
        var current = await Stores.Runs.UpdateAsync(created with { Status = "running" });

        await Assert.ThrowsAsync<StoreConcurrencyException>(() => Stores.Runs.UpdateAsync(
            created with { Status = "failed" }, new RunHistory([Event("h2", 1)], [Attempt("h2", "t", 1)])));

        // The transaction is atomic: the losing writer's events and attempts are not stored either.
        Assert.Equal(current, await Stores.Runs.GetAsync("h2"));
        Assert.Equal([0L], (await Stores.Events.ListAsync("h2")).Select(e => e.Sequence));
        Assert.Empty(await Stores.Attempts.ListAsync("h2", null));
    }

    [Fact]
    public async Task Update_WithMoreHistoryThanOneTransactionHolds_StoresAllOfIt()
    {
        var created = await Stores.Runs.CreateAsync(Run("h3"));
        var events = Enumerable.Range(0, 250).Select(i => Event("h3", i)).ToList();
        var attempts = Enumerable.Range(1, 30).Select(i => Attempt("h3", "t", i)).ToList();

        await Stores.Runs.UpdateAsync(created with { Status = "running" }, new RunHistory(events, attempts));

        Assert.Equal(Enumerable.Range(0, 250).Select(i => (long)i), (await Stores.Events.ListAsync("h3")).Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, 30), (await Stores.Attempts.ListAsync("h3", "t")).Select(a => a.Attempt));
        Assert.Equal("running", (await Stores.Runs.GetAsync("h3"))!.Status);
    }

    [Fact]
    public async Task Create_WithHistory_ExistingRun_ConflictsAndKeepsTheFirst()
    {
        await Stores.Runs.CreateAsync(Run("h4"), new RunHistory([Event("h4", 0)], []));
        await Assert.ThrowsAsync<StoreConflictException>(() => Stores.Runs.CreateAsync(Run("h4", status: "running"), new RunHistory([Event("h4", 0), Event("h4", 1)], [])));

        Assert.Equal("pending", (await Stores.Runs.GetAsync("h4"))!.Status);
        Assert.Equal([0L], (await Stores.Events.ListAsync("h4")).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Update_HistoryOfAnotherRun_IsRefusedBeforeAnythingIsWritten()
    {
        var created = await Stores.Runs.CreateAsync(Run("h5"));
        await Assert.ThrowsAsync<ArgumentException>(() => Stores.Runs.UpdateAsync(created with { Status = "running" }, new RunHistory([Event("other", 0)], [])));
        Assert.Equal(created, await Stores.Runs.GetAsync("h5"));
    }

    [Fact]
    public async Task ListWithOutbox_FindsRunsOwingCommands()
    {
        var store = Stores.Runs;
        var owing = await store.CreateAsync(Run("owing", outbox: "[1]"));
        var idle = await store.CreateAsync(Run("idle"));
        var done = await store.CreateAsync(Run("done", outbox: "[2]"));
        Assert.Equal(["done", "owing"], (await store.ListWithOutboxAsync(10)).Items.Select(r => r.RunId).Order());

        // Page by page: one candidate per page, the idle run's page is empty, and the last page has no continuation.
        var seen = new List<string>();
        var pages = 0;
        string? continuation = null;
        do
        {
            var page = await store.ListWithOutboxAsync(1, continuation);
            seen.AddRange(page.Items.Select(r => r.RunId));
            continuation = page.Continuation;
            pages++;
        }
        while (continuation is not null && pages < 10);
        Assert.Equal(["done", "owing"], seen.Order());
        Assert.InRange(pages, 3, 4);

        await store.UpdateAsync(done with { Status = "succeeded", Outbox = "" });
        await store.UpdateAsync(idle with { Status = "failed", Outbox = "[3]" });
        Assert.Equal(["idle", "owing"], (await store.ListWithOutboxAsync(10)).Items.Select(r => r.RunId).Order());

        var current = await store.GetAsync("owing");
        await store.UpdateAsync(current! with { Outbox = "" });
        Assert.Equal(["idle"], (await store.ListWithOutboxAsync(10)).Items.Select(r => r.RunId));
        Assert.Equal("owing", owing.RunId);
    }

    [Theory]
    [MemberData(nameof(AwkwardIds))]
    public async Task Ids_ForbiddenAndUnicodeCharacters_RoundTrip(string id)
    {
        var store = Stores.Runs;
        await store.CreateAsync(Run(id, workflow: id));
        Assert.Equal(id, (await store.GetAsync(id))!.RunId);
        var listed = Assert.Single((await store.ListAsync(new RunQuery(WorkflowId: id))).Items);
        Assert.Equal(id, listed.RunId);
        Assert.Equal(id, listed.WorkflowId);
    }

    [Fact]
    public async Task State_200KiB_StoredSplitAndReadBackIntact()
    {
        var store = Stores.Runs;
        var state = "{\"blob\":\"" + string.Concat(Enumerable.Range(0, 200 * 1024 / 8).Select(i => $"{i:X7}é")) + "\"}";
        var created = await store.CreateAsync(Run("big") with { State = state, Outbox = new string('o', 70_000) });
        var read = await store.GetAsync("big");
        Assert.Equal(state, read!.State);
        Assert.Equal(70_000, read.Outbox.Length);
        await store.UpdateAsync(read with { State = "small" });
        Assert.Equal("small", (await store.GetAsync("big"))!.State);
        Assert.NotNull(created.ETag);
    }

    [Fact]
    public async Task State_OverOneMiB_FailsTypedAndStoresNothing()
    {
        var store = Stores.Runs;
        var e = await Assert.ThrowsAsync<StorageException>(() => store.CreateAsync(Run("huge") with { State = new string('x', 600_000) }));
        Assert.Equal(StorageErrorKind.TooLarge, e.Kind);
        Assert.Null(await store.GetAsync("huge"));
    }

    private static async Task<(List<RunRecord> Items, int Pages)> ReadAllAsync(IRunStore store, RunQuery query)
    {
        var items = new List<RunRecord>();
        var pages = 0;
        string? continuation = null;
        do
        {
            var page = await store.ListAsync(query with { Continuation = continuation });
            pages++;
            Assert.True(page.Items.Count <= query.Limit);
            items.AddRange(page.Items);
            continuation = page.Continuation;
        }
        while (continuation is not null && pages < 100);

        return (items, pages);
    }
}
