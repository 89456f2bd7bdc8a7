using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using NCrontab;

namespace Loom.Core.Scheduling;

/// <summary>
/// A cron expression read in an IANA time zone, turned into UTC instants.
/// </summary>
/// <remarks>
/// <para>
/// Syntax: 5 fields (<c>minute hour day-of-month month day-of-week</c>, minute precision) or 6 fields
/// (a leading <c>second</c>), as NCrontab reads them (<c>*</c>, lists, ranges, steps, month and day
/// names), plus the macros <c>@yearly</c>/<c>@annually</c>, <c>@monthly</c>, <c>@weekly</c>,
/// <c>@daily</c>/<c>@midnight</c> and <c>@hourly</c>. As in Unix cron, 7 means Sunday as well as 0,
/// <c>?</c> means <c>*</c> in the day fields, and when both day-of-month and day-of-week are
/// restricted (neither starts with <c>*</c>) a day matches if either matches
/// (<c>0 0 1 * MON</c> = the 1st of each month and every Monday). An expression that can never fire
/// (<c>0 0 30 2 *</c>) is rejected.
/// </para>
/// <para>
/// Time zones and daylight saving time: the fields are matched against the wall-clock time of the
/// schedule's zone, then each matching wall-clock time is turned into one UTC instant.
/// <list type="bullet">
/// <item><description>A wall-clock time skipped by a spring-forward transition fires once, at the
/// first valid instant after the gap: <c>30 2 * * *</c> in America/New_York on 2026-03-08 fires at
/// 03:00 EDT (07:00Z). This happens only if the cron had a time inside the gap, and only once even if it
/// had several (<c>*/15 2 * * *</c> fires once at 03:00, not four times), nor again for a cron time
/// that falls exactly at the end of the gap (03:00 itself).</description></item>
/// <item><description>A wall-clock time repeated by a fall-back transition fires once, at its first
/// instance (the one still on daylight time): <c>30 1 * * *</c> in America/New_York on 2026-11-01
/// fires at 01:30 EDT (05:30Z), not again at 01:30 EST. This holds for sub-day schedules too:
/// <c>*/5 * * * *</c> fires through the first 01:00-01:59 and stays silent during the repeated hour
/// (one hour with no runs), then resumes at 02:00 EST.</description></item>
/// </list>
/// Why: people who write a cron in a local zone mean wall-clock times. A daily job must run exactly
/// once each local day, neither zero times on the day the clock jumps over its time nor twice on the day
/// the clock repeats it; this is what Vixie cron and most schedulers that honour a local zone do. The
/// cost is that occurrences are not always evenly spaced in UTC around a transition.
/// </para>
/// <para>
/// The resulting set of UTC instants is fixed: every query (forward, backward, any window) sees the same
/// occurrences, which is what makes run ids derived from them deterministic. Instants are whole seconds.
/// </para>
/// </remarks>
public sealed class CronSchedule
{
    private static readonly CrontabSchedule.ParseOptions WithSeconds = new() { IncludingSeconds = true };

    // The library scans at most up to here; later instants overflow DateTimeOffset arithmetic.
    private static readonly DateTime WallLimit = new(9999, 12, 30, 0, 0, 0, DateTimeKind.Unspecified);
    private static readonly DateTimeOffset MinInstant = new(2, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset MaxInstant = new(9999, 12, 29, 0, 0, 0, TimeSpan.Zero);

    private readonly CrontabSchedule primary;
    private readonly CrontabSchedule? alternative;
    private readonly bool isUtc;

    private CronSchedule(string expression, string timezone, TimeZoneInfo zone, bool hasSeconds, string[] fields, CrontabSchedule primary, CrontabSchedule? alternative)
    {
        Expression = expression;
        Timezone = timezone;
        TimeZone = zone;
        HasSeconds = hasSeconds;
        Fields = fields;
        this.primary = primary;
        this.alternative = alternative;
        isUtc = zone.HasSameRules(TimeZoneInfo.Utc);
    }

    /// <summary>The expression as written (trimmed).</summary>
    public string Expression { get; }

    /// <summary>The time zone id as written.</summary>
    public string Timezone { get; }

    /// <summary>The resolved time zone.</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>True for a 6-field expression (second precision).</summary>
    public bool HasSeconds { get; }

    /// <summary>Six fields (second minute hour day-of-month month day-of-week), macros expanded, "?" read as "*", a 5-field expression given second "0".</summary>
    internal IReadOnlyList<string> Fields { get; }

    /// <summary>Parses an expression in a time zone, or says why it cannot; never throws.</summary>
    public static bool TryParse(string expression, string timezone, [NotNullWhen(true)] out CronSchedule? schedule, [NotNullWhen(false)] out string? error)
    {
        schedule = null;
        if (string.IsNullOrWhiteSpace(expression))
        {
            error = "The cron expression is empty.";
            return false;
        }

        if (string.IsNullOrWhiteSpace(timezone))
        {
            error = "The time zone is empty; use an IANA id such as \"UTC\" or \"Europe/Berlin\".";
            return false;
        }

        var trimmed = expression.Trim();
        if (!TryResolveZone(timezone.Trim(), out var zone, out error))
        {
            return false;
        }

        if (!TryExpandFields(trimmed, out var fields, out var hasSeconds, out error))
        {
            return false;
        }

        var dom = fields[3];
        var dow = fields[5];
        var dowForLibrary = NormalizeDayOfWeek(dow);

        // Unix cron: when both day fields are restricted, a day matches if either does; NCrontab would require both.
        var bothDaysRestricted = !dom.StartsWith('*') && !dow.StartsWith('*');
        var primaryText = bothDaysRestricted
            ? string.Join(' ', fields[0], fields[1], fields[2], dom, fields[4], "*")
            : string.Join(' ', fields[0], fields[1], fields[2], dom, fields[4], dowForLibrary);
        if (!TryParseLibrary(trimmed, primaryText, out var primary, out error))
        {
            return false;
        }

        CrontabSchedule? alternative = null;
        if (bothDaysRestricted
            && !TryParseLibrary(trimmed, string.Join(' ', fields[0], fields[1], fields[2], "*", fields[4], dowForLibrary), out alternative, out error))
        {
            return false;
        }

        var candidate = new CronSchedule(trimmed, timezone.Trim(), zone, hasSeconds, fields, primary, alternative);

        // Every calendar pattern repeats within 400 years, so a cron silent over 400 years is silent forever.
        var probeStart = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        if (candidate.NextWall(probeStart, probeStart.AddYears(401)) is null)
        {
            error = $"The cron expression '{trimmed}' never fires (no date matches its day and month fields).";
            return false;
        }

        schedule = candidate;
        error = null;
        return true;
    }

    /// <summary>Parses an expression in a time zone.</summary>
    /// <exception cref="ArgumentException">The expression or the time zone is invalid; the message says why.</exception>
    public static CronSchedule Parse(string expression, string timezone)
    {
        return TryParse(expression, timezone, out var schedule, out var error)
            ? schedule
            : throw new ArgumentException(error, nameof(expression));
    }

    /// <summary>Every occurrence in (<paramref name="afterExclusive"/>, <paramref name="beforeOrAtInclusive"/>], as UTC instants in ascending order, computed lazily.</summary>
    public IEnumerable<DateTimeOffset> GetOccurrences(DateTimeOffset afterExclusive, DateTimeOffset beforeOrAtInclusive)
    {
        if (beforeOrAtInclusive <= afterExclusive)
        {
            yield break;
        }

        var last = afterExclusive;
        var seed = SeedWall(afterExclusive);
        while (true)
        {
            var wall = NextWall(seed, WallLimit);
            if (wall is null)
            {
                yield break;
            }

            var instant = ToInstant(wall.Value);
            if (instant > beforeOrAtInclusive)
            {
                yield break;
            }

            // Several wall times can map to one instant (a spring-forward gap); each instant fires once.
            if (instant > last)
            {
                yield return instant;
                last = instant;
            }

            seed = wall.Value;
        }
    }

    /// <summary>The first occurrence strictly after <paramref name="afterExclusive"/>, or null when there is none before year 9999.</summary>
    public DateTimeOffset? GetNext(DateTimeOffset afterExclusive)
    {
        var seed = SeedWall(afterExclusive);
        while (true)
        {
            var wall = NextWall(seed, WallLimit);
            if (wall is null)
            {
                return null;
            }

            var instant = ToInstant(wall.Value);
            if (instant > afterExclusive)
            {
                return instant;
            }

            seed = wall.Value;
        }
    }

    /// <summary>The next <paramref name="count"/> occurrences strictly after <paramref name="afterExclusive"/> (fewer only near year 9999).</summary>
    public IReadOnlyList<DateTimeOffset> GetNext(DateTimeOffset afterExclusive, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return GetOccurrences(afterExclusive, MaxInstant).Take(count).ToList();
    }

    /// <summary>The last occurrence at or before <paramref name="beforeOrAtInclusive"/> and strictly after <paramref name="afterExclusive"/>, or null when the window has none.</summary>
    /// <remarks>Found by a bounded search (exponential probe, then bisection on whole seconds), so the cost grows with the logarithm of the window, not with the number of occurrences in it.</remarks>
    public DateTimeOffset? GetPrevious(DateTimeOffset beforeOrAtInclusive, DateTimeOffset afterExclusive)
    {
        if (beforeOrAtInclusive <= afterExclusive)
        {
            return null;
        }

        // Invariant: GetNext(low) <= before ("good"), GetNext(high) > before ("bad"); GetNext(before) is always bad.
        var high = beforeOrAtInclusive;
        DateTimeOffset low;
        var step = TimeSpan.FromSeconds(1);
        while (true)
        {
            if (high.UtcTicks - afterExclusive.UtcTicks <= step.Ticks)
            {
                var first = GetNext(afterExclusive);
                if (first is null || first.Value > beforeOrAtInclusive)
                {
                    return null;
                }

                low = afterExclusive;
                break;
            }

            var probe = high - step;
            var next = GetNext(probe);
            if (next is not null && next.Value <= beforeOrAtInclusive)
            {
                low = probe;
                break;
            }

            high = probe;
            step += step;
        }

        // Occurrences are whole seconds apart, so once the bracket is a second wide GetNext(low) is the last one.
        while (high.UtcTicks - low.UtcTicks > TimeSpan.TicksPerSecond)
        {
            var middle = new DateTimeOffset(low.UtcTicks + ((high.UtcTicks - low.UtcTicks) / 2), TimeSpan.Zero);
            var next = GetNext(middle);
            if (next is not null && next.Value <= beforeOrAtInclusive)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return GetNext(low);
    }

    /// <summary>The newest <paramref name="count"/> occurrences in (<paramref name="afterExclusive"/>, <paramref name="beforeOrAtInclusive"/>], ascending, without enumerating the whole window.</summary>
    /// <remarks>A short forward scan serves the usual small window; a window holding more occurrences than that is walked backwards with <see cref="GetPrevious"/>, so the work is bounded by <paramref name="count"/>, not by the window's size.</remarks>
    public IReadOnlyList<DateTimeOffset> GetLatest(DateTimeOffset afterExclusive, DateTimeOffset beforeOrAtInclusive, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0 || beforeOrAtInclusive <= afterExclusive)
        {
            return [];
        }

        var scanLimit = (4 * count) + 64;
        var window = new Queue<DateTimeOffset>(Math.Min(count + 1, 1024));
        var scanned = 0;
        var exhausted = true;
        foreach (var occurrence in GetOccurrences(afterExclusive, beforeOrAtInclusive))
        {
            if (++scanned > scanLimit)
            {
                exhausted = false;
                break;
            }

            window.Enqueue(occurrence);
            if (window.Count > count)
            {
                window.Dequeue();
            }
        }

        if (exhausted)
        {
            return window.ToList();
        }

        var newestFirst = new List<DateTimeOffset>(count);
        var cursor = beforeOrAtInclusive;
        while (newestFirst.Count < count)
        {
            var previous = GetPrevious(cursor, afterExclusive);
            if (previous is null)
            {
                break;
            }

            newestFirst.Add(previous.Value);
            cursor = previous.Value.AddTicks(-1);
        }

        newestFirst.Reverse();
        return newestFirst;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Expression} ({Timezone})";

    private static bool TryResolveZone(string timezone, [NotNullWhen(true)] out TimeZoneInfo? zone, [NotNullWhen(false)] out string? error)
    {
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(timezone);
            error = null;
            return true;
        }
        catch (TimeZoneNotFoundException)
        {
            error = $"Unknown time zone '{timezone}'; use an IANA id such as \"UTC\", \"Europe/Berlin\" or \"America/New_York\".";
        }
        catch (InvalidTimeZoneException ex)
        {
            error = $"The time zone '{timezone}' could not be loaded: {ex.Message}";
        }

        zone = null;
        return false;
    }

    private static bool TryExpandFields(string expression, [NotNullWhen(true)] out string[]? fields, out bool hasSeconds, [NotNullWhen(false)] out string? error)
    {
        hasSeconds = false;
        fields = null;
        if (expression.StartsWith('@'))
        {
            var expanded = expression.ToUpperInvariant() switch
            {
                "@YEARLY" or "@ANNUALLY" => "0 0 1 1 *",
                "@MONTHLY" => "0 0 1 * *",
                "@WEEKLY" => "0 0 * * 0",
                "@DAILY" or "@MIDNIGHT" => "0 0 * * *",
                "@HOURLY" => "0 * * * *",
                _ => null,
            };
            if (expanded is null)
            {
                error = $"Unknown cron macro '{expression}'; use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly.";
                return false;
            }

            expression = expanded;
        }

        var parts = expression.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        switch (parts.Length)
        {
            case 5:
                fields = ["0", .. parts];
                break;
            case 6:
                fields = parts;
                hasSeconds = true;
                break;
            default:
                error = $"The cron expression '{expression}' has {parts.Length} field(s); expected 5 (minute hour day-of-month month day-of-week) or 6 (second minute hour day-of-month month day-of-week).";
                return false;
        }

        for (var i = 3; i < 6; i += 2)
        {
            if (fields[i] == "?")
            {
                fields[i] = "*";
            }
        }

        // NCrontab reads a step of 0 as "every value", which hides a typo; cron implementations reject it.
        string[] names = ["second", "minute", "hour", "day-of-month", "month", "day-of-week"];
        for (var i = hasSeconds ? 0 : 1; i < 6; i++)
        {
            foreach (var item in fields[i].Split(','))
            {
                var slash = item.IndexOf('/', StringComparison.Ordinal);
                if (slash >= 0 && slash < item.Length - 1 && item[(slash + 1)..].Trim('0').Length == 0)
                {
                    error = $"Invalid cron expression '{expression}': the {names[i]} field '{fields[i]}' has a step of 0.";
                    return false;
                }
            }
        }

        error = null;
        return true;
    }

    // NCrontab knows Sunday only as 0; Unix cron also accepts 7.
    private static string NormalizeDayOfWeek(string field)
    {
        var items = field.Split(',');
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i];
            if (item == "7")
            {
                items[i] = "0";
            }
            else if (item.EndsWith("-7", StringComparison.Ordinal)
                && int.TryParse(item.AsSpan(0, item.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                && from <= 7)
            {
                items[i] = from switch
                {
                    7 => "0",
                    6 => "6,0",
                    _ => $"{from.ToString(CultureInfo.InvariantCulture)}-6,0",
                };
            }
        }

        return string.Join(',', items);
    }

    private static bool TryParseLibrary(string original, string text, [NotNullWhen(true)] out CrontabSchedule? schedule, [NotNullWhen(false)] out string? error)
    {
        string? message = null;
        schedule = CrontabSchedule.TryParse(text, WithSeconds, s => (CrontabSchedule?)s, e =>
        {
            message = e().Message;
            return null;
        });
        if (schedule is null)
        {
            error = $"Invalid cron expression '{original}': {message ?? "unreadable"}";
            return false;
        }

        error = null;
        return true;
    }

    private DateTime? NextWall(DateTime afterExclusive, DateTime end)
    {
        if (afterExclusive >= end)
        {
            return null;
        }

        var next = primary.GetNextOccurrence(afterExclusive, end);
        if (alternative is not null)
        {
            var other = alternative.GetNextOccurrence(afterExclusive, end);
            if (other < next)
            {
                next = other;
            }
        }

        // NCrontab answers "end" when nothing comes before it.
        return next < end ? next : null;
    }

    private DateTime ToWall(DateTimeOffset instant)
    {
        if (instant < MinInstant)
        {
            instant = MinInstant;
        }
        else if (instant > MaxInstant)
        {
            instant = MaxInstant;
        }

        return isUtc ? DateTime.SpecifyKind(instant.UtcDateTime, DateTimeKind.Unspecified) : TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime;
    }

    // The wall time from which to look for the next cron match after an instant.
    private DateTime SeedWall(DateTimeOffset afterExclusive)
    {
        var wall = ToWall(afterExclusive);
        if (isUtc || !TimeZone.IsAmbiguousTime(wall))
        {
            return wall;
        }

        // In the second pass through a repeated hour every repeated wall time has already fired (at its
        // first instance), so skip to the end of the repetition instead of walking through it.
        var offset = TimeZone.GetUtcOffset(afterExclusive);
        var firstInstanceOffset = TimeZone.GetAmbiguousTimeOffsets(wall).Max();
        if (offset == firstInstanceOffset)
        {
            return wall;
        }

        var repetitionEnd = FirstWallWhere(TruncateToSecond(wall), w => !TimeZone.IsAmbiguousTime(w));
        return repetitionEnd.AddTicks(-1);
    }

    private DateTimeOffset ToInstant(DateTime wall)
    {
        if (isUtc)
        {
            return new DateTimeOffset(wall.Ticks, TimeSpan.Zero);
        }

        TimeSpan offset;
        if (TimeZone.IsInvalidTime(wall))
        {
            wall = FirstWallWhere(wall, w => !TimeZone.IsInvalidTime(w));
            offset = TimeZone.GetUtcOffset(wall);
        }
        else if (TimeZone.IsAmbiguousTime(wall))
        {
            offset = TimeZone.GetAmbiguousTimeOffsets(wall).Max();
        }
        else
        {
            offset = TimeZone.GetUtcOffset(wall);
        }

        return new DateTimeOffset(wall.Ticks - offset.Ticks, TimeSpan.Zero);
    }

    // The first whole-second wall time after "after" where the predicate holds, assuming it is false up to a
    // boundary and true after it (a transition edge, at most a day or two away).
    private static DateTime FirstWallWhere(DateTime after, Func<DateTime, bool> predicate)
    {
        long good = 1;
        while (!predicate(after.AddSeconds(good)) && good < 4 * 86_400)
        {
            good *= 2;
        }

        var bad = good / 2;
        while (good - bad > 1)
        {
            var middle = bad + ((good - bad) / 2);
            if (predicate(after.AddSeconds(middle)))
            {
                good = middle;
            }
            else
            {
                bad = middle;
            }
        }

        return after.AddSeconds(good);
    }

    private static DateTime TruncateToSecond(DateTime value) => new(value.Ticks - (value.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Unspecified);
}
