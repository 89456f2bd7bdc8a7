using System.Globalization;
using Loom.Core.Scheduling;

namespace Loom.Core.Tests.Scheduling;

// 2026 transitions: New York springs forward 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z) and falls back
// 2026-11-01 02:00 EDT -> 01:00 EST (06:00Z); Berlin springs forward 2026-03-29 02:00 CET -> 03:00 CEST
// (01:00Z) and falls back 2026-10-25 03:00 CEST -> 02:00 CET (01:00Z).
public sealed class CronScheduleDstTests
{
    private const string NewYork = "America/New_York";
    private const string Berlin = "Europe/Berlin";

    [Fact]
    public void GetOccurrences_NewYorkSpringForwardSkippedTime_FiresOnceAtThreeEdt()
    {
        var cron = CronSchedule.Parse("30 2 * * *", NewYork);

        var occurrences = cron.GetOccurrences(Utc("2026-03-07T00:00:00Z"), Utc("2026-03-10T00:00:00Z")).ToList();

        Assert.Equal(
            [Utc("2026-03-07T07:30:00Z"), Utc("2026-03-08T07:00:00Z"), Utc("2026-03-09T06:30:00Z")],
            occurrences);
    }

    [Fact]
    public void GetOccurrences_NewYorkSpringForwardSeveralTimesInGap_FiresOnlyOnce()
    {
        var cron = CronSchedule.Parse("*/15 2 * * *", NewYork);

        var occurrences = cron.GetOccurrences(Utc("2026-03-08T00:00:00Z"), Utc("2026-03-09T00:00:00Z")).ToList();

        Assert.Equal([Utc("2026-03-08T07:00:00Z")], occurrences);
    }

    [Fact]
    public void GetOccurrences_NewYorkGapAndTimeAtGapEnd_FireOnceTogether()
    {
        // 02:00 and 02:30 are skipped and move to 03:00 EDT, where the cron also has 03:00: one run, then 03:30.
        var cron = CronSchedule.Parse("0,30 2-3 * * *", NewYork);

        var occurrences = cron.GetOccurrences(Utc("2026-03-08T05:00:00Z"), Utc("2026-03-08T09:00:00Z")).ToList();

        Assert.Equal([Utc("2026-03-08T07:00:00Z"), Utc("2026-03-08T07:30:00Z")], occurrences);
    }

    [Fact]
    public void GetOccurrences_NewYorkSpringForwardCronWithoutGapTime_Unaffected()
    {
        var cron = CronSchedule.Parse("0 1,4 * * *", NewYork);

        var occurrences = cron.GetOccurrences(Utc("2026-03-08T00:00:00Z"), Utc("2026-03-09T00:00:00Z")).ToList();

        Assert.Equal([Utc("2026-03-08T06:00:00Z"), Utc("2026-03-08T08:00:00Z")], occurrences);
    }

    [Fact]
    public void GetOccurrences_NewYorkFallBackRepeatedTime_FiresOnceAtDaylightInstance()
    {
        var cron = CronSchedule.Parse("30 1 * * *", NewYork);

        var occurrences = cron.GetOccurrences(Utc("2026-10-31T00:00:00Z"), Utc("2026-11-03T00:00:00Z")).ToList();

        Assert.Equal(
            [Utc("2026-10-31T05:30:00Z"), Utc("2026-11-01T05:30:00Z"), Utc("2026-11-02T06:30:00Z")],
            occurrences);
    }

    [Fact]
    public void GetOccurrences_NewYorkFallBackEveryFiveMinutes_RepeatedHourSilent()
    {
        var cron = CronSchedule.Parse("*/5 * * * *", NewYork);

        var occurrences = cron.GetOccurrences(Utc("2026-11-01T04:45:00Z"), Utc("2026-11-01T07:10:00Z")).ToList();

        var expected = Enumerable.Range(0, 14).Select(i => Utc("2026-11-01T04:50:00Z").AddMinutes(5 * i))
            .Concat([Utc("2026-11-01T07:00:00Z"), Utc("2026-11-01T07:05:00Z"), Utc("2026-11-01T07:10:00Z")]);
        Assert.Equal(expected, occurrences);
        Assert.DoesNotContain(occurrences, o => o >= Utc("2026-11-01T06:00:00Z") && o < Utc("2026-11-01T07:00:00Z"));
    }

    [Fact]
    public void GetOccurrences_BerlinSpringForwardSkippedTime_FiresOnceAtThreeCest()
    {
        var cron = CronSchedule.Parse("30 2 * * *", Berlin);

        var occurrences = cron.GetOccurrences(Utc("2026-03-28T00:00:00Z"), Utc("2026-03-31T00:00:00Z")).ToList();

        Assert.Equal(
            [Utc("2026-03-28T01:30:00Z"), Utc("2026-03-29T01:00:00Z"), Utc("2026-03-30T00:30:00Z")],
            occurrences);
    }

    [Fact]
    public void GetOccurrences_BerlinSpringForwardSeveralTimesInGap_FiresOnlyOnce()
    {
        var cron = CronSchedule.Parse("*/15 2 * * *", Berlin);

        var occurrences = cron.GetOccurrences(Utc("2026-03-29T00:00:00Z"), Utc("2026-03-29T23:00:00Z")).ToList();

        Assert.Equal([Utc("2026-03-29T01:00:00Z")], occurrences);
    }

    [Fact]
    public void GetOccurrences_BerlinFallBackRepeatedTime_FiresOnceAtSummerInstance()
    {
        var cron = CronSchedule.Parse("30 2 * * *", Berlin);

        var occurrences = cron.GetOccurrences(Utc("2026-10-24T00:00:00Z"), Utc("2026-10-27T00:00:00Z")).ToList();

        Assert.Equal(
            [Utc("2026-10-24T00:30:00Z"), Utc("2026-10-25T00:30:00Z"), Utc("2026-10-26T01:30:00Z")],
            occurrences);
    }

    [Fact]
    public void GetOccurrences_BerlinFallBackQuarterHours_RepeatedHourFiresOnce()
    {
        var cron = CronSchedule.Parse("*/15 2 * * *", Berlin);

        var occurrences = cron.GetOccurrences(Utc("2026-10-24T12:00:00Z"), Utc("2026-10-25T12:00:00Z")).ToList();

        Assert.Equal(
            [Utc("2026-10-25T00:00:00Z"), Utc("2026-10-25T00:15:00Z"), Utc("2026-10-25T00:30:00Z"), Utc("2026-10-25T00:45:00Z")],
            occurrences);
    }

    [Fact]
    public void GetNext_FromInsideRepeatedHour_SkipsToAfterRepetition()
    {
        // 01:10Z is 02:10 CET, the second pass through 02:xx; every 02:xx already fired during the first pass.
        var cron = CronSchedule.Parse("*/5 * * * *", Berlin);

        Assert.Equal(Utc("2026-10-25T02:00:00Z"), cron.GetNext(Utc("2026-10-25T01:10:00Z")));
        Assert.Equal(Utc("2026-10-25T00:15:00Z"), cron.GetNext(Utc("2026-10-25T00:10:00Z")));
    }

    [Fact]
    public void GetNext_JustBeforeGap_ReturnsGapEnd()
    {
        var cron = CronSchedule.Parse("30 2 * * *", NewYork);

        Assert.Equal(Utc("2026-03-08T07:00:00Z"), cron.GetNext(Utc("2026-03-08T06:59:59Z")));
        Assert.Equal(Utc("2026-03-09T06:30:00Z"), cron.GetNext(Utc("2026-03-08T07:00:00Z")));
    }

    [Theory]
    [InlineData("*/5 * * * *", NewYork, "2026-03-07T12:00:00Z", "2026-03-09T12:00:00Z")]
    [InlineData("*/5 * * * *", NewYork, "2026-10-31T12:00:00Z", "2026-11-02T12:00:00Z")]
    [InlineData("*/15 2 * * *", Berlin, "2026-10-23T12:00:00Z", "2026-10-27T12:00:00Z")]
    [InlineData("0,30 2-3 * * *", NewYork, "2026-03-06T12:00:00Z", "2026-03-10T12:00:00Z")]
    [InlineData("*/20 * * * * *", Berlin, "2026-10-25T00:40:00Z", "2026-10-25T02:20:00Z")]
    public void GetPrevious_AcrossTransitions_AgreesWithForwardEnumeration(string expression, string zone, string from, string to)
    {
        var cron = CronSchedule.Parse(expression, zone);
        var forward = cron.GetOccurrences(Utc(from), Utc(to)).ToList();
        Assert.NotEmpty(forward);

        var backward = new List<DateTimeOffset>();
        var cursor = Utc(to);
        while (cron.GetPrevious(cursor, Utc(from)) is { } previous)
        {
            backward.Add(previous);
            cursor = previous.AddTicks(-1);
        }

        backward.Reverse();
        Assert.Equal(forward, backward);
    }

    [Fact]
    public void GetLatest_PerSecondCronEndingInsideRepeatedHour_ReturnsLastSecondsBeforeIt()
    {
        // The whole second pass (06:00Z-07:00Z) is silent, so the newest occurrences are the first pass's last seconds.
        var cron = CronSchedule.Parse("* * * * * *", NewYork);

        var latest = cron.GetLatest(Utc("2025-11-01T00:00:00Z"), Utc("2026-11-01T06:30:00Z"), 5);

        Assert.Equal(Enumerable.Range(55, 5).Select(s => Utc("2026-11-01T05:59:00Z").AddSeconds(s)), latest);
    }

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
}
