using System.Globalization;
using Loom.Core.Scheduling;

namespace Loom.Core.Tests.Scheduling;

public sealed class CronScheduleTests
{
    [Fact]
    public void Parse_FiveFields_MinutePrecision()
    {
        var cron = CronSchedule.Parse("0 3 * * *", "UTC");

        Assert.False(cron.HasSeconds);
        Assert.Equal(
            [Utc("2026-01-01T03:00:00Z"), Utc("2026-01-02T03:00:00Z")],
            cron.GetNext(Utc("2026-01-01T00:00:00Z"), 2));
    }

    [Fact]
    public void Parse_SixFields_LeadingSecondsField()
    {
        var cron = CronSchedule.Parse("*/10 * * * * *", "UTC");

        Assert.True(cron.HasSeconds);
        Assert.Equal(
            [Utc("2026-01-01T00:00:10Z"), Utc("2026-01-01T00:00:20Z"), Utc("2026-01-01T00:00:30Z")],
            cron.GetNext(Utc("2026-01-01T00:00:05Z"), 3));
    }

    [Fact]
    public void Parse_SixFieldsWithZeroSeconds_SameAsFiveFields()
    {
        var five = CronSchedule.Parse("15 9 * * 1-5", "Europe/Berlin");
        var six = CronSchedule.Parse("0 15 9 * * 1-5", "Europe/Berlin");

        Assert.Equal(five.GetNext(Utc("2026-03-20T00:00:00Z"), 10), six.GetNext(Utc("2026-03-20T00:00:00Z"), 10));
    }

    [Theory]
    [InlineData("@yearly", "2027-01-01T00:00:00Z")]
    [InlineData("@annually", "2027-01-01T00:00:00Z")]
    [InlineData("@monthly", "2026-04-01T00:00:00Z")]
    [InlineData("@weekly", "2026-03-22T00:00:00Z")]
    [InlineData("@daily", "2026-03-19T00:00:00Z")]
    [InlineData("@midnight", "2026-03-19T00:00:00Z")]
    [InlineData("@hourly", "2026-03-18T11:00:00Z")]
    [InlineData("@DAILY", "2026-03-19T00:00:00Z")]
    public void Parse_Macro_ExpandsToItsSchedule(string macro, string expectedNext)
    {
        // 2026-03-18 is a Wednesday.
        var cron = CronSchedule.Parse(macro, "UTC");

        Assert.Equal(Utc(expectedNext), cron.GetNext(Utc("2026-03-18T10:30:00Z")));
    }

    [Fact]
    public void GetNext_MacroInZone_EvaluatedInThatZone()
    {
        var cron = CronSchedule.Parse("@daily", "America/New_York");

        Assert.Equal(Utc("2026-01-02T05:00:00Z"), cron.GetNext(Utc("2026-01-01T12:00:00Z")));
    }

    [Fact]
    public void GetNext_DayOfWeekSeven_IsSunday()
    {
        var seven = CronSchedule.Parse("0 0 * * 5-7", "UTC");

        // 2026-03-20 Friday, 21 Saturday, 22 Sunday, then Friday 27.
        Assert.Equal(
            [Utc("2026-03-20T00:00:00Z"), Utc("2026-03-21T00:00:00Z"), Utc("2026-03-22T00:00:00Z"), Utc("2026-03-27T00:00:00Z")],
            seven.GetNext(Utc("2026-03-19T12:00:00Z"), 4));
        Assert.Equal(Utc("2026-03-22T00:00:00Z"), CronSchedule.Parse("0 0 * * 7", "UTC").GetNext(Utc("2026-03-19T12:00:00Z")));
    }

    [Fact]
    public void GetOccurrences_BothDayFieldsRestricted_EitherMatches()
    {
        // Unix cron: the 1st of the month OR any Monday. 2026-03-01 is a Sunday.
        var cron = CronSchedule.Parse("0 0 1 * MON", "UTC");

        var occurrences = cron.GetOccurrences(Utc("2026-02-28T00:00:00Z"), Utc("2026-03-31T00:00:00Z")).ToList();

        Assert.Equal(
            new[] { "2026-03-01", "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-30" }.Select(d => Utc(d + "T00:00:00Z")),
            occurrences);
    }

    [Fact]
    public void Parse_QuestionMarkInDayField_ReadAsStar()
    {
        var cron = CronSchedule.Parse("0 12 ? * MON-FRI", "UTC");

        Assert.Equal(Utc("2026-03-23T12:00:00Z"), cron.GetNext(Utc("2026-03-20T12:00:00Z")));
    }

    [Fact]
    public void GetOccurrences_WindowBounds_ExclusiveAfterInclusiveBefore()
    {
        var cron = CronSchedule.Parse("0 * * * *", "UTC");

        var occurrences = cron.GetOccurrences(Utc("2026-01-01T01:00:00Z"), Utc("2026-01-01T03:00:00Z")).ToList();

        Assert.Equal([Utc("2026-01-01T02:00:00Z"), Utc("2026-01-01T03:00:00Z")], occurrences);
        Assert.Empty(cron.GetOccurrences(Utc("2026-01-01T03:00:00Z"), Utc("2026-01-01T03:00:00Z")));
    }

    [Fact]
    public void GetNext_FromNonUtcOffset_ReturnsUtcInstant()
    {
        var cron = CronSchedule.Parse("0 3 * * *", "UTC");

        var next = cron.GetNext(DateTimeOffset.Parse("2026-01-01T01:00:00+02:00", CultureInfo.InvariantCulture));

        Assert.Equal(TimeSpan.Zero, next!.Value.Offset);
        Assert.Equal(Utc("2026-01-01T03:00:00Z"), next);
    }

    [Fact]
    public void GetNext_SubSecondBase_StrictlyAfter()
    {
        var cron = CronSchedule.Parse("* * * * * *", "UTC");

        Assert.Equal(Utc("2026-01-01T00:00:01Z"), cron.GetNext(Utc("2026-01-01T00:00:00.5Z")));
        Assert.Equal(Utc("2026-01-01T00:00:01Z"), cron.GetNext(Utc("2026-01-01T00:00:00Z")));
    }

    [Fact]
    public void GetNext_NearEndOfCalendar_ReturnsNull()
    {
        var cron = CronSchedule.Parse("0 0 1 1 *", "UTC");

        Assert.Null(cron.GetNext(DateTimeOffset.MaxValue));
    }

    [Fact]
    public void GetNext_FromMinValue_Works()
    {
        var cron = CronSchedule.Parse("0 0 1 1 *", "America/New_York");

        Assert.NotNull(cron.GetNext(DateTimeOffset.MinValue));
    }

    [Fact]
    public void GetPrevious_LeapDayCron_FindsPreviousLeapYear()
    {
        var cron = CronSchedule.Parse("0 12 29 2 *", "UTC");

        Assert.Equal(Utc("2024-02-29T12:00:00Z"), cron.GetPrevious(Utc("2026-11-22T00:00:00Z"), DateTimeOffset.MinValue));
        Assert.Null(cron.GetPrevious(Utc("2026-11-22T00:00:00Z"), Utc("2024-02-29T12:00:00Z")));
    }

    [Fact]
    public void GetLatest_SmallWindow_ReturnsNewestAscending()
    {
        var cron = CronSchedule.Parse("*/10 * * * *", "UTC");

        var latest = cron.GetLatest(Utc("2026-01-01T00:00:00Z"), Utc("2026-01-01T01:05:00Z"), 3);

        Assert.Equal([Utc("2026-01-01T00:40:00Z"), Utc("2026-01-01T00:50:00Z"), Utc("2026-01-01T01:00:00Z")], latest);
    }

    [Fact]
    public void GetLatest_WindowFarLargerThanScan_SameAsForward()
    {
        var cron = CronSchedule.Parse("*/7 * * * *", "Europe/Berlin");
        var from = Utc("2026-03-28T00:00:00Z");
        var to = Utc("2026-03-30T00:00:00Z");

        var latest = cron.GetLatest(from, to, 5);

        Assert.Equal(cron.GetOccurrences(from, to).TakeLast(5), latest);
    }

    [Theory]
    [InlineData("", "UTC", "empty")]
    [InlineData("   ", "UTC", "empty")]
    [InlineData("* * * *", "UTC", "4 field(s)")]
    [InlineData("* * * * * * *", "UTC", "7 field(s)")]
    [InlineData("61 * * * *", "UTC", "61")]
    [InlineData("0 25 * * *", "UTC", "25")]
    [InlineData("0 3 * * FUNDAY", "UTC", "FUNDAY")]
    [InlineData("abc def ghi jkl mno", "UTC", "abc")]
    [InlineData("*/0 * * * *", "UTC", "step of 0")]
    [InlineData("0 1-5/00 * * *", "UTC", "step of 0")]
    [InlineData("0 0 30 2 *", "UTC", "never fires")]
    [InlineData("@reboot", "UTC", "@reboot")]
    [InlineData("0 3 * * *", "Mars/Olympus_Mons", "Mars/Olympus_Mons")]
    [InlineData("0 3 * * *", "", "time zone is empty")]
    [InlineData("0 3 * * *", "../../etc/passwd", "Unknown time zone")]
    public void TryParse_Invalid_ReturnsErrorWithoutThrowing(string expression, string zone, string expectedInError)
    {
        var ok = CronSchedule.TryParse(expression, zone, out var schedule, out var error);

        Assert.False(ok);
        Assert.Null(schedule);
        Assert.NotNull(error);
        Assert.Contains(expectedInError, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_NullArguments_ReturnsError()
    {
        Assert.False(CronSchedule.TryParse(null!, "UTC", out _, out var error1));
        Assert.NotNull(error1);
        Assert.False(CronSchedule.TryParse("0 3 * * *", null!, out _, out var error2));
        Assert.NotNull(error2);
    }

    [Fact]
    public void Parse_Invalid_ThrowsArgumentExceptionWithReason()
    {
        var ex = Assert.Throws<ArgumentException>(() => CronSchedule.Parse("0 3 * *", "UTC"));

        Assert.Contains("expected 5", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Valid_KeepsExpressionAndZone()
    {
        Assert.True(CronSchedule.TryParse("  0 3 * * *  ", "Europe/Berlin", out var schedule, out var error));

        Assert.Null(error);
        Assert.Equal("0 3 * * *", schedule.Expression);
        Assert.Equal("Europe/Berlin", schedule.Timezone);
    }

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
}
