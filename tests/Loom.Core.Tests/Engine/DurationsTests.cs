using Loom.Core.Engine;

namespace Loom.Core.Tests.Engine;

public sealed class DurationsTests
{
    [Theory]
    [InlineData(0, "0s")]
    [InlineData(1500, "1.5s")]
    [InlineData(90_000, "1m30s")]
    [InlineData(600_000, "10m")]
    [InlineData(5_400_000, "1h30m")]
    [InlineData(90_061_001, "1d1h1m1.001s")]
    [InlineData(-2000, "-2s")]
    public void Format_Milliseconds_ReadsShort(long milliseconds, string expected) =>
        Assert.Equal(expected, Durations.Format(TimeSpan.FromMilliseconds(milliseconds)));
}
