using System.Globalization;
using Loom.Core.Scheduling;

namespace Loom.Core.Tests.Scheduling;

public sealed class BackfillTests
{
    private static readonly CronSchedule Daily = CronSchedule.Parse("0 3 * * *", "UTC");

    [Fact]
    public void Occurrences_RangeBothEndsInclusive()
    {
        var occurrences = Backfill.Occurrences(Daily, Utc("2026-03-01T03:00:00Z"), Utc("2026-03-03T03:00:00Z"), 10);

        Assert.Equal([Utc("2026-03-01T03:00:00Z"), Utc("2026-03-02T03:00:00Z"), Utc("2026-03-03T03:00:00Z")], occurrences);
    }

    [Fact]
    public void Occurrences_ExactlyMax_Allowed()
    {
        Assert.Equal(3, Backfill.Occurrences(Daily, Utc("2026-03-01T00:00:00Z"), Utc("2026-03-03T23:00:00Z"), 3).Count);
    }

    [Fact]
    public void Occurrences_MoreThanMax_ClearError()
    {
        var ex = Assert.Throws<ArgumentException>(() => Backfill.Occurrences(Daily, Utc("2026-03-01T00:00:00Z"), Utc("2026-03-31T00:00:00Z"), 2));

        Assert.Contains("more than 2 occurrences", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2026-03-03T03:00:00Z", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryOccurrences_HugeRangePerSecond_FailsFastWithoutThrowing()
    {
        var everySecond = CronSchedule.Parse("* * * * * *", "UTC");

        var ok = Backfill.TryOccurrences(everySecond, DateTimeOffset.MinValue, Utc("2026-03-01T00:00:00Z"), 100, out var occurrences, out var error);

        Assert.False(ok);
        Assert.Null(occurrences);
        Assert.Contains("more than 100", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryOccurrences_ReversedRange_Error()
    {
        Assert.False(Backfill.TryOccurrences(Daily, Utc("2026-03-03T00:00:00Z"), Utc("2026-03-01T00:00:00Z"), 10, out _, out var error));

        Assert.Contains("reversed", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryOccurrences_MaxBelowOne_Error()
    {
        Assert.False(Backfill.TryOccurrences(Daily, Utc("2026-03-01T00:00:00Z"), Utc("2026-03-03T00:00:00Z"), 0, out _, out var error));

        Assert.Contains("at least 1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Occurrences_EmptyRange_Empty()
    {
        Assert.Empty(Backfill.Occurrences(Daily, Utc("2026-03-01T04:00:00Z"), Utc("2026-03-02T02:00:00Z"), 10));
    }

    [Fact]
    public void Occurrences_InZoneAcrossSpringForward_FollowsDstRule()
    {
        var cron = CronSchedule.Parse("30 2 * * *", "America/New_York");

        var occurrences = Backfill.Occurrences(cron, Utc("2026-03-07T00:00:00Z"), Utc("2026-03-09T23:59:59Z"), 10);

        Assert.Equal([Utc("2026-03-07T07:30:00Z"), Utc("2026-03-08T07:00:00Z"), Utc("2026-03-09T06:30:00Z")], occurrences);
    }

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
}
