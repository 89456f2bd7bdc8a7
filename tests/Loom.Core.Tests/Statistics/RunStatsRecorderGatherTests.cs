using Loom.Core.Engine;
using Loom.Core.Statistics;
using Microsoft.Extensions.Time.Testing;

namespace Loom.Core.Tests.Statistics;

/// <summary>The recorder's gather window: runs of one row reported within it share one write, and none returns before it is stored.</summary>
public sealed class RunStatsRecorderGatherTests
{
    private static readonly DateTimeOffset Hour = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(200);

    private readonly FakeTimeProvider _clock = new(Hour.AddMinutes(30));
    private readonly InMemoryRunStatsStore _store = new();

    private static RunSample Sample(string runId, string workflowId = "wf", double minute = 1) =>
        new(runId, workflowId, RunStatus.Succeeded, Hour.AddMinutes(minute), 1000, 0, [new TaskSample("a", false, 0, 800)]);

    [Fact]
    public async Task RecordAsync_RunsOfOneRowWithinTheWindow_OneWriteAndNoneReturnsBeforeIt()
    {
        var recorder = new RunStatsRecorder(_store, Window, _clock);
        var first = recorder.RecordAsync(Sample("r1"));
        _clock.Advance(TimeSpan.FromMilliseconds(150));
        var second = recorder.RecordAsync(Sample("r2", minute: 2));
        _clock.Advance(TimeSpan.FromMilliseconds(49));

        // Not written yet, so neither run may be reported counted (its final save must not go ahead).
        Assert.Equal(0, _store.Writes);
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, _store.Writes);
        Assert.Equal(2, Assert.Single(await _store.ListAsync("wf", Hour, Hour)).Runs);
    }

    [Fact]
    public async Task RecordAsync_AfterTheWindowsWrite_TheNextRunOpensAWindowOfItsOwn()
    {
        var recorder = new RunStatsRecorder(_store, Window, _clock);
        var first = recorder.RecordAsync(Sample("r1"));
        _clock.Advance(Window);
        await first.WaitAsync(TimeSpan.FromSeconds(60));

        var later = recorder.RecordAsync(Sample("r2"));
        Assert.False(later.IsCompleted);
        _clock.Advance(Window);
        await later.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, _store.Writes);
        Assert.Equal(2, Assert.Single(await _store.ListAsync("wf", Hour, Hour)).Runs);
    }

    [Fact]
    public async Task RecordAsync_OtherRows_AreNotHeldByEachOthersWindow()
    {
        var recorder = new RunStatsRecorder(_store, Window, _clock);
        var one = recorder.RecordAsync(Sample("r1", "wf"));
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        var other = recorder.RecordAsync(Sample("r2", "other"));
        _clock.Advance(TimeSpan.FromMilliseconds(100));

        await one.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(other.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        await other.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, _store.Writes);
    }

    [Fact]
    public async Task RecordAsync_ARiderStopsWaiting_ItsRunIsCountedInTheSharedWriteAllTheSame()
    {
        var recorder = new RunStatsRecorder(_store, Window, _clock);
        using var stop = new CancellationTokenSource();
        var writer = recorder.RecordAsync(Sample("r1"));
        var rider = recorder.RecordAsync(Sample("r2"), stop.Token);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rider.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.False(writer.IsCompleted);

        _clock.Advance(Window);
        await writer.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, _store.Writes);
        Assert.Equal(2, Assert.Single(await _store.ListAsync("wf", Hour, Hour)).Runs);
    }

    [Fact]
    public void Constructor_NegativeWindow_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RunStatsRecorder(_store, TimeSpan.FromMilliseconds(-1), _clock));
}
