using Loom.Core.Stores;
using Loom.Storage.Stores;
using Loom.Testing;

namespace Loom.Storage.Tests.Stores;

[Collection("azurite")]
public sealed class AttemptStoreTests(AzuriteFixture azurite) : StoreTestBase(azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    private static AttemptRecord Attempt(string task, int attempt, string? output = null) => new()
    {
        RunId = "run/1",
        TaskId = task,
        Attempt = attempt,
        StartedAt = T0.AddSeconds(attempt),
        Duration = TimeSpan.FromMilliseconds(1234.5),
        Outcome = attempt < 3 ? "retryable" : "succeeded",
        StatusCode = attempt < 3 ? 503 : 200,
        RequestSummary = "POST https://backend/tasks/" + task,
        Error = attempt < 3 ? "503 Service Unavailable" : null,
        Output = output,
    };

    [Fact]
    public async Task PutList_PerTaskInAttemptOrder_AndAllTasks()
    {
        var store = Stores.Attempts;
        foreach (var a in new[] { Attempt("load", 10), Attempt("load", 2), Attempt("load", 1), Attempt("load|x", 1), Attempt("extract", 1, "{\"rows\":3}") })
        {
            await store.PutAsync(a);
        }

        var load = await store.ListAsync("run/1", "load");
        Assert.Equal([1, 2, 10], load.Select(a => a.Attempt));
        Assert.Equal(Attempt("load", 2), load[1]);
        Assert.Equal(["load|x"], (await store.ListAsync("run/1", "load|x")).Select(a => a.TaskId));

        var all = await store.ListAsync("run/1", null);
        Assert.Equal(5, all.Count);
        Assert.Equal("{\"rows\":3}", all.Single(a => a.TaskId == "extract").Output);
        Assert.Empty(await store.ListAsync("other", null));
    }

    [Fact]
    public async Task ListTasks_ForEachInstancesAcrossSeveralQueries_ExactlyTheirRows()
    {
        // fan[1] is a key prefix of fan[10]..fan[12] but not of their ranges; nine ids take two queries of at most seven ranges.
        var store = Stores.Attempts;
        var ids = Enumerable.Range(0, 13).Select(i => $"fan[{i}]").ToList();
        foreach (var id in ids) await store.PutAsync(Attempt(id, 1));
        await store.PutAsync(Attempt("fan[1]", 2));
        await store.PutAsync(Attempt("fan", 1));

        var asked = new[] { "fan[0]", "fan[1]", "fan[2]", "fan[3]", "fan[4]", "fan[5]", "fan[6]", "fan[7]", "fan[12]", "fan[1]" };
        var rows = await store.ListTasksAsync("run/1", asked);

        Assert.Equal(["fan[0]#1", "fan[12]#1", "fan[1]#1", "fan[1]#2", "fan[2]#1", "fan[3]#1", "fan[4]#1", "fan[5]#1", "fan[6]#1", "fan[7]#1"],
            rows.Select(a => $"{a.TaskId}#{a.Attempt}").Order(StringComparer.Ordinal));
        Assert.Equal(Attempt("fan[1]", 2), rows.Single(a => a.TaskId == "fan[1]" && a.Attempt == 2));
        Assert.Empty(await store.ListTasksAsync("run/1", ["fan[99]"]));
        Assert.Empty(await store.ListTasksAsync("other", asked));
    }

    [Fact]
    public async Task Put_SameAttemptAgain_Replaces()
    {
        var store = Stores.Attempts;
        await store.PutAsync(Attempt("t", 1) with { Outcome = "accepted" });
        await store.PutAsync(Attempt("t", 1) with { Outcome = "succeeded", Error = null });
        var only = Assert.Single(await store.ListAsync("run/1", "t"));
        Assert.Equal("succeeded", only.Outcome);
        Assert.Null(only.Error);
    }

    [Fact]
    public async Task Put_200KiBOutput_StoredIntactUnderTheCap()
    {
        var store = Stores.Attempts;
        var output = string.Concat(Enumerable.Range(0, 200 * 1024 / 8).Select(i => $"{i:D7},"));
        await store.PutAsync(Attempt("big", 1, output));
        var read = Assert.Single(await store.ListAsync("run/1", "big"));
        Assert.Equal(output, read.Output);
        Assert.False(read.OutputTruncated);
    }

    [Fact]
    public async Task Put_OutputOverTheCap_CutAndFlagged()
    {
        var store = new TableAttemptStore(Service, Options with { MaxOutputChars = 100_000 });
        var output = new string('y', 200 * 1024);
        await store.PutAsync(Attempt("capped", 1, output));
        var read = Assert.Single(await store.ListAsync("run/1", "capped"));
        Assert.True(read.OutputTruncated);
        Assert.Equal(100_000, read.Output!.Length);
        Assert.StartsWith(read.Output, output, StringComparison.Ordinal);
    }
}

[Collection("azurite")]
public sealed class EventStoreTests(AzuriteFixture azurite) : StoreTestBase(azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    private static RunEventRecord Event(string run, long sequence, string? id = null) =>
        new(run, id ?? $"e{sequence}", sequence, T0.AddSeconds(sequence), sequence == 0 ? "RunStarted" : "TaskSucceeded", sequence == 0 ? null : "t" + sequence, $"{{\"n\":{sequence}}}");

    [Fact]
    public async Task Append_ManyInSequenceOrder_AcrossBatchesAndRuns()
    {
        var store = Stores.Events;
        var events = Enumerable.Range(0, 150).Select(i => Event("r1", i)).Reverse().Append(Event("r2", 0)).ToList();
        await store.AppendAsync(events);
        var listed = await store.ListAsync("r1");
        Assert.Equal(Enumerable.Range(0, 150).Select(i => (long)i), listed.Select(e => e.Sequence));
        Assert.Equal(Event("r1", 7), listed[7]);
        Assert.Single(await store.ListAsync("r2"));
        Assert.Empty(await store.ListAsync("r3"));
    }

    [Fact]
    public async Task Append_SameEventsAgain_StoredOnce()
    {
        var store = Stores.Events;
        await store.AppendAsync([Event("r", 0), Event("r", 1)]);
        await store.AppendAsync([Event("r", 1), Event("r", 2), Event("r", 2)]);
        await store.AppendAsync([Event("r", 1) with { Data = "changed" }]);
        var listed = await store.ListAsync("r");
        Assert.Equal([0L, 1L, 2L], listed.Select(e => e.Sequence));
        Assert.Equal("{\"n\":1}", listed[1].Data);
    }

    [Theory]
    [MemberData(nameof(AwkwardIds))]
    public async Task Ids_ForbiddenAndUnicodeCharacters_RoundTrip(string runId)
    {
        var store = Stores.Events;
        await store.AppendAsync([Event(runId, 0, runId)]);
        var only = Assert.Single(await store.ListAsync(runId));
        Assert.Equal(runId, only.RunId);
        Assert.Equal(runId, only.EventId);
    }
}

[Collection("azurite")]
public sealed class SchedulerStateStoreTests(AzuriteFixture azurite) : StoreTestBase(azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TrySave_FollowsETags()
    {
        var store = Stores.SchedulerStates;
        Assert.Null(await store.GetAsync("wf/1"));
        Assert.True(await store.TrySaveAsync(new SchedulerState("wf/1", T0, null)));
        Assert.False(await store.TrySaveAsync(new SchedulerState("wf/1", T0.AddMinutes(1), null)));

        var state = await store.GetAsync("wf/1");
        Assert.Equal(T0, state!.LastEvaluated);
        Assert.Equal("wf/1", state.WorkflowId);
        Assert.True(await store.TrySaveAsync(state with { LastEvaluated = T0.AddMinutes(2) }));
        Assert.False(await store.TrySaveAsync(state with { LastEvaluated = T0.AddMinutes(3) }));
        Assert.Equal(T0.AddMinutes(2), (await store.GetAsync("wf/1"))!.LastEvaluated);
    }

    [Fact]
    public async Task TrySave_ConcurrentWithSameETag_OneWins()
    {
        var store = Stores.SchedulerStates;
        await store.TrySaveAsync(new SchedulerState("wf", T0, null));
        var state = await store.GetAsync("wf");
        var results = await Task.WhenAll(Enumerable.Range(1, 6).Select(i => store.TrySaveAsync(state! with { LastEvaluated = T0.AddMinutes(i) })));
        Assert.Single(results, r => r);
    }

    [Fact]
    public async Task Backfill_ThousandOccurrences_RoundTripsFollowsETagsAndIsDeleted()
    {
        var store = Stores.SchedulerStates;
        var pending = Enumerable.Range(0, 1000).Select(i => T0.AddHours(i)).ToList();
        Assert.Null(await store.GetBackfillAsync("wf/b"));
        Assert.True(await store.TrySaveBackfillAsync(new BackfillQueue("wf/b", 3, "{\"day\":\"x\"}", pending, [], null)));
        Assert.False(await store.TrySaveBackfillAsync(new BackfillQueue("wf/b", 5, "{}", pending, [], null)));
        // The scheduler state of the same workflow is a separate row.
        Assert.True(await store.TrySaveAsync(new SchedulerState("wf/b", T0, null)));

        var queue = (await store.GetBackfillAsync("wf/b"))!;
        Assert.Equal(pending, queue.Pending);
        Assert.Equal((3, "{\"day\":\"x\"}"), (queue.MaxConcurrent, queue.Params));
        Assert.True(await store.TrySaveBackfillAsync(queue with { Pending = pending[2..], Active = ["wf/b@1", "wf/b@2"] }));
        Assert.False(await store.TrySaveBackfillAsync(queue with { Pending = [] }));
        Assert.False(await store.TryDeleteBackfillAsync("wf/b", queue.ETag));

        var current = (await store.GetBackfillAsync("wf/b"))!;
        Assert.Equal(["wf/b@1", "wf/b@2"], current.Active);
        Assert.Equal(998, current.Pending.Count);
        Assert.True(await store.TryDeleteBackfillAsync("wf/b", current.ETag));
        Assert.Null(await store.GetBackfillAsync("wf/b"));
        Assert.NotNull(await store.GetAsync("wf/b"));
    }
}
