using Loom.Core.Engine;
using Loom.Core.Statistics;
using Microsoft.Extensions.Time.Testing;

namespace Loom.Core.Tests.Statistics;

/// <summary>
/// The recorder's gather window: runs of a busy row reported within it share one write, none returns before it is stored, and
/// a quiet row is written at once.
/// </summary>
public sealed class RunStatsRecorderGatherTests
{
    private static readonly DateTimeOffset Hour = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(200);

    private readonly FakeTimeProvider _clock = new(Hour.AddMinutes(30));
    private readonly InMemoryRunStatsStore _store = new();

    private static RunSample Sample(string runId, string workflowId = "wf", double minute = 1) =>
        new(runId, workflowId, RunStatus.Succeeded, Hour.AddMinutes(minute), 1000, 0, [new TaskSample("a", false, 0, 800)]);

    /// <summary>A recorder whose rows of <paramref name="workflowIds"/> were each written just now (by a first run, at once).</summary>
    private async Task<RunStatsRecorder> BusyAsync(params string[] workflowIds)
    {
        var recorder = new RunStatsRecorder(_store, Window, _clock);
        foreach (var id in workflowIds) await recorder.RecordAsync(Sample($"first-{id}", id)).WaitAsync(TimeSpan.FromSeconds(60));
        return recorder;
    }

    [Fact]
    public async Task RecordAsync_QuietRow_IsWrittenAtOnce()
    {
        var recorder = new RunStatsRecorder(_store, Window, _clock);
        await recorder.RecordAsync(Sample("r1")).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, _store.Writes);

        // BusyWindows windows after the last write the row is quiet again.
        _clock.Advance(Window * RunStatsRecorder.BusyWindows);
        await recorder.RecordAsync(Sample("r2")).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, _store.Writes);
    }

    [Fact]
    public async Task RecordAsync_BusyRow_RunsWithinTheWindowShareOneWriteAndNoneReturnsBeforeIt()
    {
        var recorder = await BusyAsync("wf");
        var first = recorder.RecordAsync(Sample("r1"));
        _clock.Advance(TimeSpan.FromMilliseconds(150));
        var second = recorder.RecordAsync(Sample("r2", minute: 2));
        _clock.Advance(TimeSpan.FromMilliseconds(49));

        // Not written yet, so neither run may be reported counted (its final save must not go ahead).
        Assert.Equal(1, _store.Writes);
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, _store.Writes);
        Assert.Equal(3, Assert.Single(await _store.ListAsync("wf", Hour, Hour)).Runs);
    }

    [Fact]
    public async Task RecordAsync_OtherRows_AreNotHeldByEachOthersWindow()
    {
        var recorder = await BusyAsync("wf", "other");
        var one = recorder.RecordAsync(Sample("r1", "wf"));
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        var other = recorder.RecordAsync(Sample("r2", "other"));
        _clock.Advance(TimeSpan.FromMilliseconds(100));

        await one.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(other.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        await other.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(4, _store.Writes);
    }

    [Fact]
    public async Task RecordAsync_ARiderStopsWaiting_ItsRunIsCountedInTheSharedWriteAllTheSame()
    {
        var recorder = await BusyAsync("wf");
        using var stop = new CancellationTokenSource();
        var writer = recorder.RecordAsync(Sample("r1"));
        var rider = recorder.RecordAsync(Sample("r2"), stop.Token);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rider.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.False(writer.IsCompleted);

        _clock.Advance(Window);
        await writer.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, _store.Writes);
        Assert.Equal(3, Assert.Single(await _store.ListAsync("wf", Hour, Hour)).Runs);
    }

    [Fact]
    public void Constructor_NegativeWindow_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RunStatsRecorder(_store, TimeSpan.FromMilliseconds(-1), _clock));
}
