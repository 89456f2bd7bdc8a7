using Loom.Core.Definitions;

namespace Loom.Core.Tests.Definitions;

public class CronExpressionsTests
{
    [Theory]
    [InlineData("0 3 * * *", "0 3 * * *")]
    [InlineData("  0   3 * * * ", "0 3 * * *")]
    [InlineData("*/10 * * * * *", "*/10 * * * * *")]
    [InlineData("@daily", "0 0 * * *")]
    [InlineData("@weekly", "0 0 * * 0")]
    [InlineData("@monthly", "0 0 1 * *")]
    [InlineData("@yearly", "0 0 1 1 *")]
    [InlineData("@hourly", "0 * * * *")]
    public void TryParse_Accepted_Normalizes(string expression, string normalized)
    {
        Assert.NotNull(CronExpressions.TryParse(expression, out var result, out var error));
        Assert.Null(error);
        Assert.Equal(normalized, result);
    }

    [Fact]
    public void TryParse_SixFields_ReadsSeconds()
    {
        var schedule = CronExpressions.TryParse("30 0 3 * * *", out _, out _)!;

        Assert.Equal(new DateTime(2026, 1, 1, 3, 0, 30), schedule.GetNextOccurrence(new DateTime(2026, 1, 1)));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("0 3 * *", "has 4 fields")]
    [InlineData("0 25 * * *", "invalid cron expression '0 25 * * *'")]
    [InlineData("@often", "unknown cron macro")]
    public void TryParse_Rejected_Explains(string expression, string message)
    {
        Assert.Null(CronExpressions.TryParse(expression, out _, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }
}
