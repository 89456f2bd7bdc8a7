using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Loom.Core.Scheduling;

/// <summary>Lists the occurrences a backfill over a date range would start, refusing ranges that are too large.</summary>
/// <remarks>
/// Both ends are inclusive. The range is read as given: a backfill is an explicit request, so the schedule's
/// start/end bounds and catch-up policy do not apply. Run ids come from <see cref="RunIds.ForOccurrence"/>, so
/// backfilling an instant the scheduler already ran finds the existing run instead of starting a second one.
/// At most <c>max + 1</c> occurrences are enumerated, so an oversized range fails fast.
/// </remarks>
public static class Backfill
{
    /// <summary>The occurrences in [<paramref name="from"/>, <paramref name="to"/>], UTC ascending.</summary>
    /// <exception cref="ArgumentException">The range is reversed, <paramref name="max"/> is below 1, or the range holds more than <paramref name="max"/> occurrences; the message says which.</exception>
    public static IReadOnlyList<DateTimeOffset> Occurrences(CronSchedule cron, DateTimeOffset from, DateTimeOffset to, int max)
    {
        return TryOccurrences(cron, from, to, max, out var occurrences, out var error)
            ? occurrences
            : throw new ArgumentException(error);
    }

    /// <summary>The occurrences in [<paramref name="from"/>, <paramref name="to"/>], or a message saying why the range is refused; never throws for bad input.</summary>
    public static bool TryOccurrences(CronSchedule cron, DateTimeOffset from, DateTimeOffset to, int max, [NotNullWhen(true)] out IReadOnlyList<DateTimeOffset>? occurrences, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(cron);
        occurrences = null;
        if (max < 1)
        {
            error = $"The backfill limit must be at least 1 (got {max}).";
            return false;
        }

        if (to < from)
        {
            error = $"The backfill range is reversed: from {Format(from)} is after to {Format(to)}.";
            return false;
        }

        var found = cron.GetOccurrences(from == DateTimeOffset.MinValue ? from : from.AddTicks(-1), to).Take(max + 1).ToList();
        if (found.Count > max)
        {
            error = $"The range {Format(from)} .. {Format(to)} holds more than {max} occurrences of '{cron.Expression}' "
                + $"(occurrence {max + 1} is at {Format(found[max])}); narrow the range or raise the limit.";
            return false;
        }

        occurrences = found;
        error = null;
        return true;
    }

    private static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
