using Loom.Core.Engine;
using Loom.Core.Statistics;
using Loom.Core.Stores;
using Loom.Testing;

namespace Loom.Storage.Tests.Stores;

/// <summary>
/// The statistics table on Azurite alone: an hour bucket round-trips whole, a replace on a stale ETag is refused (the loser
/// reads again and merges), a stored bucket still refuses a run among its last 256, and a range read returns its hours only.
/// </summary>
[Collection("azurite")]
public sealed class RunStatsStoreTests(AzuriteFixture azurite) : StoreTestBase(azurite)
{
    private static readonly DateTimeOffset Hour0 = new(2026, 12, 5, 3, 0, 0, TimeSpan.Zero);

    private static RunSample Sample(string runId, RunStatus status = RunStatus.Succeeded, int retries = 0, double durationMs = 1500, DateTimeOffset? at = null,
        IReadOnlyList<TaskSample>? tasks = null) =>
        new(runId, "wf", status, at ?? Hour0.AddMinutes(10), durationMs, retries, tasks ?? [new TaskSample("fetch", false, retries, durationMs / 2)]);

    [Theory]
    [MemberData(nameof(AwkwardIds))]
    public async Task Put_NewBucket_ReadsBackEveryFigureWithItsETag(string workflowId)
    {
        var store = Stores.Stats;
        var hour = Hour0.AddMinutes(42);
        Assert.Null(await store.GetAsync(workflowId, hour));

        var bucket = new RunStatsBucket(workflowId, hour);
        Assert.True(bucket.TryAdd(Sample("r1", retries: 2, durationMs: 1000) with { WorkflowId = workflowId }));
        Assert.True(bucket.TryAdd(Sample("r2", RunStatus.Failed, durationMs: 4000, tasks: [new TaskSample("fetch", true, 0, 3000), new TaskSample("load", false, 0, 500)]) with { WorkflowId = workflowId }));
        Assert.True(bucket.TryAdd(Sample("r3", RunStatus.Cancelled, durationMs: 100, tasks: []) with { WorkflowId = workflowId }));
        var etag = await store.PutAsync(bucket, null);

        var stored = await store.GetAsync(workflowId, Hour0);
        Assert.NotNull(stored);
        Assert.Equal(etag, stored.ETag);
        var read = stored.Bucket;
        Assert.Equal((workflowId, Hour0), (read.WorkflowId, read.Hour));
        Assert.Equal((1L, 1L, 1L, 3L), (read.Succeeded, read.Failed, read.Cancelled, read.Runs));
        Assert.Equal((1L, 2L), (read.RetriedRuns, read.Retries));
        Assert.Equal(bucket.Durations.ToString(), read.Durations.ToString());
        Assert.Equal(["fetch", "load"], read.Tasks.Keys.Order(StringComparer.Ordinal));
        var fetch = read.Tasks["fetch"];
        Assert.Equal((2L, 1L, 2L), (fetch.Count, fetch.Failed, fetch.Retries));
        Assert.Equal(bucket.ToJson(), read.ToJson());
    }

    [Fact]
    public async Task Put_BucketLongerThanOneProperty_RoundTripsWhole()
    {
        var store = Stores.Stats;
        var bucket = new RunStatsBucket("wide", Hour0);
        // Every task slot filled and every remembered run: more text than one Table property holds (LargeText spreads it).
        for (var run = 0; run < RunStatsBucket.MaxRecent; run++)
        {
            // Durations spread over many histogram buckets per task, so each task's histogram text is long too.
            var tasks = Enumerable.Range(0, RunStatsBucket.MaxTasks)
                .Select(i => new TaskSample($"task-with-a-long-id-{i:D4}", i % 7 == 0, i % 3, 10 * Math.Pow(2, ((run + i) % 24) / 2.0))).ToList();
            Assert.True(bucket.TryAdd(Sample($"run-{run}", tasks: tasks, durationMs: 100 + (run * 37)) with { WorkflowId = "wide" }));
        }

        Assert.True(bucket.ToJson().Length > 32_000, $"the bucket's text is {bucket.ToJson().Length} characters: not long enough to need several properties");

        await store.PutAsync(bucket, null);

        var read = (await store.GetAsync("wide", Hour0))!.Bucket;
        Assert.Equal(bucket.ToJson(), read.ToJson());
        Assert.Equal(RunStatsBucket.MaxTasks, read.Tasks.Count);
    }

    [Fact]
    public async Task Put_TwoWritersFromOneETag_SecondIsRefusedAndCountsBothAfterRereading()
    {
        var store = Stores.Stats;
        var first = new RunStatsBucket("wf", Hour0);
        first.TryAdd(Sample("r0"));
        await store.PutAsync(first, null);

        // Two processes read the same row (the same ETag), each counts a run of its own.
        var a = (await store.GetAsync("wf", Hour0))!;
        var b = (await store.GetAsync("wf", Hour0))!;
        Assert.Equal(a.ETag, b.ETag);
        var aBucket = a.Bucket.Clone();
        Assert.True(aBucket.TryAdd(Sample("ra")));
        var bBucket = b.Bucket.Clone();
        Assert.True(bBucket.TryAdd(Sample("rb")));

        var won = await store.PutAsync(aBucket, a.ETag);
        await Assert.ThrowsAsync<StoreConcurrencyException>(() => store.PutAsync(bBucket, b.ETag));
        // A second insert of an existing row is refused as well (a writer that thought the hour was empty).
        await Assert.ThrowsAsync<StoreConflictException>(() => store.PutAsync(bBucket, null));
        var unchanged = (await store.GetAsync("wf", Hour0))!;
        Assert.Equal(won, unchanged.ETag);
        Assert.Equal(2, unchanged.Bucket.Runs);

        // The loser reads again, counts its run into what is stored now, and writes on the new ETag.
        var merged = unchanged.Bucket.Clone();
        Assert.True(merged.TryAdd(Sample("rb")));
        var after = await store.PutAsync(merged, unchanged.ETag);
        Assert.NotEqual(won, after);
        var final = (await store.GetAsync("wf", Hour0))!;
        Assert.Equal((3L, after), (final.Bucket.Runs, final.ETag));
        // The winner's ETag is stale now too.
        await Assert.ThrowsAsync<StoreConcurrencyException>(() => store.PutAsync(aBucket, won));
    }

    [Fact]
    public async Task StoredBucket_RemembersItsLast256Runs_RefusesThemAgainAndForgetsOlderOnes()
    {
        var store = Stores.Stats;
        var bucket = new RunStatsBucket("wf", Hour0);
        for (var i = 0; i < RunStatsBucket.MaxRecent; i++) Assert.True(bucket.TryAdd(Sample($"run-{i}")));
        var etag = await store.PutAsync(bucket, null);

        // Read back: every one of the 256 is still known, so a report of it again (a save delivered twice) counts nothing.
        var stored = (await store.GetAsync("wf", Hour0))!;
        var again = stored.Bucket.Clone();
        for (var i = 0; i < RunStatsBucket.MaxRecent; i++) Assert.False(again.TryAdd(Sample($"run-{i}")), $"run-{i} was counted twice");
        Assert.False(again.TryAdd(Sample("run-0", RunStatus.Failed)), "the same run with another status was counted twice");
        Assert.Equal(RunStatsBucket.MaxRecent, again.Runs);
        // A redriven run's second end is another report: counted.
        Assert.True(again.TryAdd(Sample("run-0") with { Redrives = 1 }));
        etag = await store.PutAsync(again, stored.ETag);

        // One more run pushes the oldest out of what the stored row remembers; the rest are still refused.
        stored = (await store.GetAsync("wf", Hour0))!;
        Assert.Equal(etag, stored.ETag);
        var next = stored.Bucket.Clone();
        Assert.True(next.TryAdd(Sample("run-new")));
        await store.PutAsync(next, stored.ETag);
        var last = (await store.GetAsync("wf", Hour0))!.Bucket;
        Assert.Equal(RunStatsBucket.MaxRecent + 2, last.Runs);
        Assert.False(last.Clone().TryAdd(Sample("run-255")));
        Assert.False(last.Clone().TryAdd(Sample("run-new")));
        Assert.False(last.Clone().TryAdd(Sample("run-0") with { Redrives = 1 }));
        // Remembered: 256 at most, so run-0 and run-1 (the two oldest) are forgotten: a count of them again is not refused.
        Assert.True(last.Clone().TryAdd(Sample("run-0")));
        Assert.True(last.Clone().TryAdd(Sample("run-1")));
        Assert.False(last.Clone().TryAdd(Sample("run-2")));
    }

    [Fact]
    public async Task List_RangeOfHours_ReturnsThoseHoursOnlyOldestFirst()
    {
        var store = Stores.Stats;
        // Hours 0..5 of "wf", and the same hours of two neighbours whose encoded ids sort on either side.
        foreach (var workflowId in new[] { "wf", "we", "wf0" })
        {
            for (var h = 0; h < 6; h++)
            {
                var bucket = new RunStatsBucket(workflowId, Hour0.AddHours(h));
                for (var r = 0; r <= h; r++) bucket.TryAdd(Sample($"{workflowId}-{h}-{r}", at: Hour0.AddHours(h)) with { WorkflowId = workflowId });
                await store.PutAsync(bucket, null);
            }
        }

        // From inside hour 1 to inside hour 3: hours 1, 2 and 3, whole.
        var range = await store.ListAsync("wf", Hour0.AddHours(1).AddMinutes(59), Hour0.AddHours(3).AddMinutes(1));
        Assert.Equal([Hour0.AddHours(1), Hour0.AddHours(2), Hour0.AddHours(3)], range.Select(b => b.Hour));
        Assert.Equal([2L, 3L, 4L], range.Select(b => b.Runs));
        Assert.All(range, b => Assert.Equal("wf", b.WorkflowId));

        Assert.Equal([Hour0.AddHours(5)], (await store.ListAsync("wf", Hour0.AddHours(5), Hour0.AddHours(9))).Select(b => b.Hour));
        Assert.Empty(await store.ListAsync("wf", Hour0.AddHours(-5), Hour0.AddHours(-1)));
        Assert.Empty(await store.ListAsync("wf", Hour0.AddHours(3), Hour0.AddHours(2)));
        Assert.Empty(await store.ListAsync("nobody", Hour0, Hour0.AddHours(5)));
        Assert.Equal(6, (await store.ListAsync("wf0", Hour0.AddDays(-1), Hour0.AddDays(1))).Count);
    }
}
