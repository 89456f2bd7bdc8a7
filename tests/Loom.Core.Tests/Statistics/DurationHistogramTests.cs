using Loom.Core.Statistics;

namespace Loom.Core.Tests.Statistics;

public sealed class DurationHistogramTests
{
    [Fact]
    public void Percentile_OfManyDurations_IsWithinTheDocumentedErrorOfTheExactNearestRank()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 5000).Select(_ => Math.Exp(random.NextDouble() * 14)).ToList(); // 1 ms to ~20 min
        var histogram = new DurationHistogram();
        foreach (var v in values) histogram.Add(v);
        var sorted = values.Order().ToList();
        foreach (var q in new[] { 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1.0 })
        {
            var exact = sorted[(int)Math.Ceiling(q * sorted.Count) - 1];
            var reported = histogram.Percentile(q)!.Value;
            Assert.True(Math.Abs(reported - exact) <= exact * DurationHistogram.RelativeError + 1e-9, $"p{q * 100}: {reported} for exact {exact}");
        }
        Assert.InRange(DurationHistogram.RelativeError, 0.09, 0.091);
    }

    [Fact]
    public void Merge_OfTwoHalves_EqualsOneHistogramOfEverything()
    {
        var all = new DurationHistogram();
        var left = new DurationHistogram();
        var right = new DurationHistogram();
        for (var i = 1; i <= 1000; i++)
        {
            all.Add(i * 3.7);
            (i % 2 == 0 ? left : right).Add(i * 3.7);
        }
        left.Merge(right);
        Assert.Equal(all.ToString(), left.ToString());
        Assert.Equal(1000, left.Count);
        Assert.Equal(all.Percentile(0.95), left.Percentile(0.95));
    }

    [Fact]
    public void ToString_RoundTripsThroughParse_AndSkipsGarbage()
    {
        var h = new DurationHistogram();
        foreach (var v in new[] { 0.2, 5, 5, 900, 1e12 }) h.Add(v);
        var text = h.ToString();
        Assert.Equal(text, DurationHistogram.Parse(text).ToString());
        Assert.Equal(5, DurationHistogram.Parse(text + ",x:1,999:4,3:").Count);
        Assert.Null(new DurationHistogram().Percentile(0.5));
        Assert.Equal(DurationHistogram.BucketCount - 1, DurationHistogram.BucketOf(1e12));
        Assert.Equal(0, DurationHistogram.BucketOf(-3));
    }
}
