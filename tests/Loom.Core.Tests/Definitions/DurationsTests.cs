using Loom.Core.Definitions;

namespace Loom.Core.Tests.Definitions;

public class DurationsTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1m 30s 250ms", 90_250)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("PT30S", 30_000)]
    [InlineData("PT1H30M", 5_400_000)]
    [InlineData("P1DT2H", 93_600_000)]
    [InlineData("P2W", 1_209_600_000)]
    [InlineData("PT0.5S", 500)]
    [InlineData("30", 30_000)]
    [InlineData("0", 0)]
    public void TryParse_AcceptedForm_GivesValue(string text, long milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("-5s")]
    [InlineData("5 minutes")]
    [InlineData("30m1h")]
    [InlineData("1h1h")]
    [InlineData("P1M")]
    [InlineData("P1Y")]
    [InlineData("PT")]
    [InlineData("P")]
    [InlineData("P1DT")]
    [InlineData("5000d")]
    [InlineData("1e3s")]
    public void TryParse_RejectedForm_ReturnsFalse(string text)
    {
        Assert.False(Durations.TryParse(text, out _));
    }

    [Theory]
    [InlineData(90_250, "1m30s250ms")]
    [InlineData(0, "0s")]
    [InlineData(93_600_000, "1d2h")]
    public void Format_Value_WritesShortForm(long milliseconds, string expected)
    {
        Assert.Equal(expected, Durations.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }
}
