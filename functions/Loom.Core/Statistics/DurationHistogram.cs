using System.Globalization;
using System.Text;

namespace Loom.Core.Statistics;

/// <summary>
/// A fixed log-bucket histogram of durations in milliseconds: mergeable by adding counts, so percentiles over any set of
/// hour buckets come from their merged histograms, and as small as the number of distinct buckets used.
/// </summary>
/// <remarks>
/// Bucket 0 holds durations below 1 ms; bucket <c>i</c> (1 to <see cref="BucketCount"/> - 1) holds <c>[g^(i-1), g^i)</c> ms with
/// <c>g = 2^(1/4)</c>, so four buckets per doubling; the last bucket also holds everything longer (about 22 days and up). A
/// percentile is reported as its bucket's geometric middle <c>g^(i-1/2)</c>, which is within <see cref="RelativeError"/>
/// (about 9.1 %) of every duration in that bucket: that is the error bound of <see cref="Percentile"/>.
/// </remarks>
public sealed class DurationHistogram
{
    /// <summary>How many buckets there are.</summary>
    public const int BucketCount = 128;

    /// <summary>Buckets per doubling of the duration.</summary>
    private const double PerDoubling = 4;

    /// <summary>Largest relative distance between a duration and the value reported for its bucket: <c>2^(1/8) - 1</c>.</summary>
    public static readonly double RelativeError = Math.Pow(2, 1 / (2 * PerDoubling)) - 1;

    private readonly long[] _counts = new long[BucketCount];

    /// <summary>How many durations were added.</summary>
    public long Count { get; private set; }

    /// <summary>The bucket a duration falls in.</summary>
    /// <param name="milliseconds">A duration in milliseconds (negative counts as 0).</param>
    public static int BucketOf(double milliseconds)
    {
        if (double.IsNaN(milliseconds) || milliseconds < 1) return 0;
        var index = (int)Math.Floor(Math.Log2(milliseconds) * PerDoubling) + 1;
        return Math.Clamp(index, 1, BucketCount - 1);
    }

    /// <summary>The value reported for a bucket: its geometric middle (0.5 ms for bucket 0).</summary>
    /// <param name="bucket">A bucket index.</param>
    public static double ValueOf(int bucket) => bucket <= 0 ? 0.5 : Math.Pow(2, (bucket - 0.5) / PerDoubling);

    /// <summary>Adds one duration.</summary>
    /// <param name="milliseconds">The duration in milliseconds.</param>
    public void Add(double milliseconds) => AddToBucket(BucketOf(milliseconds), 1);

    /// <summary>Adds every count of <paramref name="other"/> into this one.</summary>
    /// <param name="other">Another histogram.</param>
    public void Merge(DurationHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < BucketCount; i++)
        {
            if (other._counts[i] > 0) AddToBucket(i, other._counts[i]);
        }
    }

    /// <summary>
    /// The duration below which a fraction <paramref name="q"/> of the durations lie (nearest rank), as its bucket's middle:
    /// within <see cref="RelativeError"/> of the exact nearest-rank percentile; null when the histogram is empty.
    /// </summary>
    /// <param name="q">A fraction from 0 to 1 (0.5 for the median, 0.95 for p95).</param>
    public double? Percentile(double q)
    {
        if (Count == 0) return null;
        var rank = Math.Max(1, (long)Math.Ceiling(Math.Clamp(q, 0, 1) * Count));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return ValueOf(i);
        }
        return ValueOf(BucketCount - 1);
    }

    /// <summary>The compact stored form: <c>bucket:count</c> pairs of the used buckets, comma-separated (empty when empty).</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        for (var i = 0; i < BucketCount; i++)
        {
            if (_counts[i] == 0) continue;
            if (text.Length > 0) text.Append(',');
            text.Append(i.ToString(CultureInfo.InvariantCulture)).Append(':').Append(_counts[i].ToString(CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    /// <summary>Reads the stored form; pairs that do not parse or name no bucket are skipped (a row is never unreadable).</summary>
    /// <param name="text">The text <see cref="ToString"/> wrote, or null.</param>
    public static DurationHistogram Parse(string? text)
    {
        var histogram = new DurationHistogram();
        if (string.IsNullOrEmpty(text)) return histogram;
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0
                || !int.TryParse(pair.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var bucket)
                || !long.TryParse(pair.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                || bucket >= BucketCount)
            {
                continue;
            }
            histogram.AddToBucket(bucket, count);
        }
        return histogram;
    }

    private void AddToBucket(int bucket, long count)
    {
        _counts[bucket] += count;
        Count += count;
    }
}
