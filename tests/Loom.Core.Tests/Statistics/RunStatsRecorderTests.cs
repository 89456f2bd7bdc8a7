using Loom.Core.Engine;
using Loom.Core.Statistics;

namespace Loom.Core.Tests.Statistics;

public sealed class RunStatsRecorderTests
{
    private static readonly DateTimeOffset Hour = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);

    private static RunSample Sample(string runId, RunStatus status = RunStatus.Succeeded, int retries = 0, double minute = 1) =>
        new(runId, "wf", status, Hour.AddMinutes(minute), 1000, retries, [new TaskSample("a", status == RunStatus.Failed, retries, 800)]);

    [Fact]
    public async Task RecordAsync_SameRunTwice_CountsItOnce()
    {
        var store = new InMemoryRunStatsStore();
        var recorder = new RunStatsRecorder(store);
        await recorder.RecordAsync(Sample("r1", retries: 2));
        await recorder.RecordAsync(Sample("r1", retries: 2));
        // A new process (no remembered ETag) hears of it again: still once.
        await new RunStatsRecorder(store).RecordAsync(Sample("r1", retries: 2));

        var bucket = Assert.Single(await store.ListAsync("wf", Hour, Hour));
        Assert.Equal(1, bucket.Runs);
        Assert.Equal(2, bucket.Retries);
        Assert.Equal(1, store.Writes);
    }

    [Fact]
    public async Task RecordAsync_SecondRunOfTheHour_WritesWithoutReadingAgain()
    {
        var store = new InMemoryRunStatsStore();
        var recorder = new RunStatsRecorder(store);
        await recorder.RecordAsync(Sample("r1"));
        var reads = store.Reads;
        await recorder.RecordAsync(Sample("r2", RunStatus.Failed));
        await recorder.RecordAsync(Sample("r3", RunStatus.Cancelled));

        Assert.Equal(reads, store.Reads);
        Assert.Equal(3, store.Writes);
        var bucket = Assert.Single(await store.ListAsync("wf", Hour, Hour));
        Assert.Equal((1, 1, 1), (bucket.Succeeded, bucket.Failed, bucket.Cancelled));
    }

    [Fact]
    public async Task RecordAsync_AnotherProcessWroteTheRow_ReadsAgainAndLosesNothing()
    {
        var store = new InMemoryRunStatsStore();
        var mine = new RunStatsRecorder(store);
        var theirs = new RunStatsRecorder(store);
        await mine.RecordAsync(Sample("r1"));
        await theirs.RecordAsync(Sample("r2"));
        // Our remembered ETag is stale now; and another writer slips in once more during our retry.
        store.BeforeWrite = () => theirs.RecordAsync(Sample("r3")).GetAwaiter().GetResult();
        await mine.RecordAsync(Sample("r4"));

        var bucket = Assert.Single(await store.ListAsync("wf", Hour, Hour));
        Assert.Equal(4, bucket.Runs);
    }

    [Fact]
    public async Task RecordAsync_ManyAtOnce_CountsEachExactlyOnceInFewerWrites()
    {
        var store = new InMemoryRunStatsStore();
        var recorder = new RunStatsRecorder(store);
        var gate = new TaskCompletionSource();
        // Hold the first write until every report is queued, so the rest ride in one batch.
        store.BeforeWrite = () => gate.Task.GetAwaiter().GetResult();
        var first = Task.Run(() => recorder.RecordAsync(Sample("r0")));
        while (store.Writes == 0 && store.BeforeWrite is not null) await Task.Delay(10);
        var rest = Enumerable.Range(1, 49).Select(i => recorder.RecordAsync(Sample($"r{i}", retries: i % 2))).ToList();
        gate.SetResult();
        await first;
        await Task.WhenAll(rest);

        var bucket = Assert.Single(await store.ListAsync("wf", Hour, Hour));
        Assert.Equal(50, bucket.Runs);
        Assert.Equal(25, bucket.Retries);
        Assert.Equal(25, bucket.RetriedRuns);
        Assert.True(store.Writes < 50, $"{store.Writes} writes for 50 runs");
    }

    [Fact]
    public async Task RecordAsync_StateNotFinal_CountsNothing()
    {
        var store = new InMemoryRunStatsStore();
        var wf = Engine.EngineTestKit.Workflow(Engine.EngineTestKit.Task("a"));
        var running = Engine.EngineTestKit.Start(wf, out _);
        await new RunStatsRecorder(store).RecordAsync(running);
        Assert.Equal(0, store.Writes);
    }
}
