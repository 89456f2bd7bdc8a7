using Loom.Core.Api;
using Loom.Core.Api.Streaming;
using Loom.Core.Stores;

namespace Loom.Core.Tests.Api;

/// <summary>The rules of a run's event stream: resume position, order, end; the commit signal; the per-key bound.</summary>
public sealed class StreamingTests
{
    private static RunEventRecord E(long sequence, string type = "TaskStarted") =>
        new("r", sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), sequence, DateTimeOffset.UnixEpoch, type, "a", "{}");

    private static IReadOnlyList<RunEventRecord> Advance(RunEventCursor cursor, params RunEventRecord[] events) =>
        cursor.Advance(events, e => e.Sequence, e => e.Type);

    [Fact]
    public void Cursor_OutOfOrderAndRepeated_EachEventOnceInSequenceOrder()
    {
        var cursor = new RunEventCursor();

        var first = Advance(cursor, E(2000000), E(0), E(1000000), E(0));
        var again = Advance(cursor, E(0), E(1000000), E(2000000), E(2000001));

        Assert.Equal([0L, 1000000, 2000000], first.Select(e => e.Sequence));
        Assert.Equal([2000001L], again.Select(e => e.Sequence));
        Assert.Equal(2000001, cursor.Position);
        Assert.False(cursor.Ended);
    }

    [Fact]
    public void Cursor_ResumedAfterAPosition_OnlyLaterEventsAndEndsAtTheRunsLastEvent()
    {
        var cursor = new RunEventCursor(1000000);

        var fresh = Advance(cursor, E(0), E(1000000), E(2000000, "RunFailed"));

        Assert.Equal([2000000L], fresh.Select(e => e.Sequence));
        Assert.True(cursor.Ended);
    }

    [Theory]
    [InlineData(null, -1L, true)]
    [InlineData("", -1L, true)]
    [InlineData(" 42 ", 42L, true)]
    [InlineData("-1", -1L, true)]
    [InlineData("-2", -1L, false)]
    [InlineData("abc", -1L, false)]
    [InlineData("99999999999999999999", -1L, false)]
    public void TryParsePosition_LastEventIdHeader(string? text, long expected, bool ok)
    {
        Assert.Equal(ok, RunEventCursor.TryParsePosition(text, out var position));
        if (ok) Assert.Equal(expected, position);
    }

    [Fact]
    public async Task CommitSignal_ACommitBetweenTakingTheTaskAndWaiting_IsNotMissed()
    {
        var signal = new RunCommitSignal();
        using var watch = signal.Subscribe("r");

        var next = watch.NextCommit();
        signal.Committed("other");
        Assert.False(next.IsCompleted);
        signal.Committed("r");

        await next.WaitAsync(TimeSpan.FromSeconds(1));
        Assert.False(watch.NextCommit().IsCompleted);
    }

    [Fact]
    public void CommitSignal_UnwatchedRuns_TakeNoMemory()
    {
        var signal = new RunCommitSignal();
        signal.Committed("r");
        var a = signal.Subscribe("r");
        var b = signal.Subscribe("r");
        Assert.Equal(1, signal.Watched);

        a.Dispose();
        a.Dispose();
        Assert.Equal(1, signal.Watched);
        b.Dispose();
        Assert.Equal(0, signal.Watched);
    }

    [Fact]
    public void Limiter_BoundsStreamsPerKey_AndFreesASlotOnDispose()
    {
        var limiter = new StreamLimiter(2);
        ApiRequest Key(string key) => ApiRequest.Create("GET", "/api/runs/r/stream", headers: [KeyValuePair.Create("x-functions-key", key)]);

        var one = limiter.TryAcquire(Key("k1"));
        var two = limiter.TryAcquire(Key("k1"));
        var three = limiter.TryAcquire(Key("k1"));
        var other = limiter.TryAcquire(ApiRequest.Create("GET", "/api/runs/r/stream", query: [KeyValuePair.Create("code", "k2")]));

        Assert.NotNull(one);
        Assert.NotNull(two);
        Assert.Null(three);
        Assert.NotNull(other);
        two!.Dispose();
        two.Dispose();
        Assert.NotNull(limiter.TryAcquire(Key("k1")));
        Assert.Null(limiter.TryAcquire(Key("k1")));
    }
}
