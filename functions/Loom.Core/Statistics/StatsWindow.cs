using System.Globalization;

namespace Loom.Core.Statistics;

/// <summary>
/// The hours a statistics request covers: from the hour of <c>since</c> (default <see cref="DefaultSpan"/> ago) to the current
/// hour, at most <see cref="MaxSpan"/> back, so a request reads at most <see cref="MaxBuckets"/> rows whatever it asks.
/// </summary>
/// <param name="From">The first hour's start.</param>
/// <param name="To">The last (current) hour's start.</param>
public sealed record StatsWindow(DateTimeOffset From, DateTimeOffset To)
{
    /// <summary>The span without <c>since</c>.</summary>
    public static readonly TimeSpan DefaultSpan = TimeSpan.FromDays(7);

    /// <summary>The longest span a request may cover.</summary>
    public static readonly TimeSpan MaxSpan = TimeSpan.FromDays(31);

    /// <summary>Most bucket rows one request reads.</summary>
    public static int MaxBuckets => (int)MaxSpan.TotalHours + 1;

    /// <summary>How many hour buckets the window covers.</summary>
    public int Hours => (int)(To - From).TotalHours + 1;

    /// <summary>The window for a request, or the reason it is refused (a 400).</summary>
    /// <param name="since">The <c>since</c> query value: an ISO-8601 instant, or null for the default.</param>
    /// <param name="now">The current time.</param>
    /// <param name="problem">Why <paramref name="since"/> is refused.</param>
    public static StatsWindow? Resolve(string? since, DateTimeOffset now, out string? problem)
    {
        problem = null;
        var to = RunStatsBucket.HourOf(now);
        if (string.IsNullOrEmpty(since)) return new StatsWindow(RunStatsBucket.HourOf(now - DefaultSpan), to);
        if (!DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var from))
        {
            problem = $"since '{since}' is not an ISO-8601 instant (e.g. 2026-12-01T00:00:00Z).";
            return null;
        }
        if (from > now)
        {
            problem = $"since '{since}' is in the future.";
            return null;
        }
        if (now - from > MaxSpan)
        {
            problem = $"since '{since}' is more than {MaxSpan.TotalDays} days ago; statistics cover at most the last {MaxSpan.TotalDays} days.";
            return null;
        }
        return new StatsWindow(RunStatsBucket.HourOf(from), to);
    }
}
