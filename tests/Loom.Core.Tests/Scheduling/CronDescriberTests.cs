using Loom.Core.Scheduling;

namespace Loom.Core.Tests.Scheduling;

public sealed class CronDescriberTests
{
    [Theory]
    [InlineData("0 3 * * *", "every day at 03:00")]
    [InlineData("*/15 * * * *", "every 15 minutes")]
    [InlineData("30 9 * * 1-5", "at 09:30 on Monday through Friday")]
    [InlineData("30 9 * * MON-FRI", "at 09:30 on Monday through Friday")]
    [InlineData("5 * * * *", "every hour at minute 5")]
    [InlineData("* * * * *", "every minute")]
    [InlineData("*/1 * * * *", "every minute")]
    [InlineData("0 */6 * * *", "every 6 hours at minute 0")]
    [InlineData("0 9,17 * * *", "every day at 09:00 and 17:00")]
    [InlineData("0 8 * * 1,3,5", "at 08:00 on Monday, Wednesday and Friday")]
    [InlineData("0 10 * * 0", "at 10:00 on Sunday")]
    [InlineData("0 10 * * 7", "at 10:00 on Sunday")]
    [InlineData("0 0 1 * *", "at 00:00 on day 1 of every month")]
    [InlineData("0 0 1,15 * *", "at 00:00 on days 1 and 15 of every month")]
    [InlineData("0 6 25 12 *", "at 06:00 on 25 December")]
    [InlineData("0 6 25 dec *", "at 06:00 on 25 December")]
    [InlineData("* * * * * *", "every second")]
    [InlineData("*/10 * * * * *", "every 10 seconds")]
    [InlineData("0 0 3 * * *", "every day at 03:00")]
    [InlineData("15 30 3 * * *", "every day at 03:30:15")]
    [InlineData("@daily", "every day at 00:00")]
    [InlineData("@hourly", "every hour at minute 0")]
    [InlineData("@weekly", "at 00:00 on Sunday")]
    [InlineData("@monthly", "at 00:00 on day 1 of every month")]
    [InlineData("@yearly", "at 00:00 on 1 January")]
    public void Describe_CommonShape_PlainEnglish(string expression, string expected)
    {
        Assert.Equal(expected, CronDescriber.Describe(expression));
    }

    [Theory]
    [InlineData("0 9-17 * * *")]
    [InlineData("0 9 * * 1-5/2")]
    [InlineData("0 0 1 * MON")]
    [InlineData("7,19 */2 1-10 * *")]
    [InlineData("*/5 9 * * *")]
    public void Describe_UncommonShape_ReturnsExpression(string expression)
    {
        Assert.Equal(expression, CronDescriber.Describe(expression));
    }

    [Fact]
    public void Describe_Invalid_ReturnsInputUnchanged()
    {
        Assert.Equal("not a cron", CronDescriber.Describe("not a cron"));
    }

    [Fact]
    public void Describe_ScheduleInZone_NamesZone()
    {
        Assert.Equal("every day at 03:00 (Europe/Berlin)", CronDescriber.Describe(CronSchedule.Parse("0 3 * * *", "Europe/Berlin")));
        Assert.Equal("every day at 03:00", CronDescriber.Describe(CronSchedule.Parse("0 3 * * *", "UTC")));
    }
}
