using System.Globalization;

namespace Loom.Core.Scheduling;

/// <summary>Plain-English descriptions of common cron shapes, for the CLI and the dashboard; any other shape is shown as the expression itself.</summary>
/// <remarks>
/// Examples: <c>0 3 * * *</c> "every day at 03:00", <c>*/15 * * * *</c> "every 15 minutes",
/// <c>30 9 * * 1-5</c> "at 09:30 on Monday through Friday", <c>5 * * * *</c> "every hour at minute 5".
/// </remarks>
public static class CronDescriber
{
    private static readonly string[] DayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

    private static readonly string[] MonthNames =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    /// <summary>Describes an expression read in UTC; an invalid or unusual expression comes back unchanged.</summary>
    public static string Describe(string expression)
    {
        if (!CronSchedule.TryParse(expression, "UTC", out var schedule, out _))
        {
            return expression;
        }

        return DescribeFields(schedule.Fields) ?? schedule.Expression;
    }

    /// <summary>Describes a schedule, naming its time zone when it is not UTC ("every day at 03:00 (Europe/Berlin)").</summary>
    public static string Describe(CronSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var text = DescribeFields(schedule.Fields) ?? schedule.Expression;
        return schedule.TimeZone.HasSameRules(TimeZoneInfo.Utc) ? text : $"{text} ({schedule.Timezone})";
    }

    private static string? DescribeFields(IReadOnlyList<string> fields)
    {
        var (second, minute, hour, dayOfMonth, month, dayOfWeek) = (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
        var anyDay = dayOfMonth == "*" && month == "*" && dayOfWeek == "*";

        if (Number(second, 59) is not { } sec)
        {
            if (!anyDay || hour != "*" || minute != "*")
            {
                return null;
            }

            return second == "*" ? "every second" : Step(second) is { } n ? Every(n, "second") : null;
        }

        if (sec == 0 && hour == "*" && anyDay)
        {
            if (minute == "*")
            {
                return "every minute";
            }

            if (Step(minute) is { } n)
            {
                return Every(n, "minute");
            }
        }

        if (Number(minute, 59) is not { } min)
        {
            return null;
        }

        if (hour == "*" || Step(hour) is not null)
        {
            if (sec != 0 || !anyDay)
            {
                return null;
            }

            var hours = hour == "*" ? 1 : Step(hour)!.Value;
            return $"{Every(hours, "hour")} at minute {min.ToString(CultureInfo.InvariantCulture)}";
        }

        var hourList = Numbers(hour, 0, 23);
        if (hourList is null)
        {
            return null;
        }

        var times = JoinAnd(hourList.Select(h => Time(h, min, sec)).ToList());
        if (anyDay)
        {
            return $"every day at {times}";
        }

        if (dayOfMonth == "*" && month == "*")
        {
            return Days(dayOfWeek) is { } days ? $"at {times} on {days}" : null;
        }

        if (dayOfWeek == "*" && month == "*")
        {
            var dates = Numbers(dayOfMonth, 1, 31);
            return dates is null
                ? null
                : $"at {times} on day{(dates.Count > 1 ? "s" : string.Empty)} {JoinAnd(dates.Select(d => d.ToString(CultureInfo.InvariantCulture)).ToList())} of every month";
        }

        if (dayOfWeek == "*" && Number(dayOfMonth, 31) is { } date && date >= 1 && MonthIndex(month) is { } monthIndex)
        {
            return $"at {times} on {date.ToString(CultureInfo.InvariantCulture)} {MonthNames[monthIndex - 1]}";
        }

        return null;
    }

    private static string Every(int n, string unit) => n == 1 ? $"every {unit}" : $"every {n.ToString(CultureInfo.InvariantCulture)} {unit}s";

    private static string Time(int hour, int minute, int second) => second == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{hour:00}:{minute:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{hour:00}:{minute:00}:{second:00}");

    private static int? Number(string text, int max) =>
        text.Length is > 0 and <= 2 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= max ? value : null;

    private static int? Step(string text) =>
        text.StartsWith("*/", StringComparison.Ordinal) && Number(text[2..], 59) is { } n && n > 0 ? n : null;

    private static List<int>? Numbers(string text, int min, int max)
    {
        var values = new List<int>();
        foreach (var item in text.Split(','))
        {
            if (Number(item, max) is not { } value || value < min)
            {
                return null;
            }

            values.Add(value);
        }

        return values;
    }

    private static string? Days(string field)
    {
        var parts = new List<string>();
        foreach (var item in field.Split(','))
        {
            var dash = item.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                if (DayIndex(item) is not { } day)
                {
                    return null;
                }

                parts.Add(DayNames[day]);
            }
            else if (DayIndex(item[..dash]) is { } from && DayIndex(item[(dash + 1)..]) is { } to)
            {
                parts.Add($"{DayNames[from]} through {DayNames[to]}");
            }
            else
            {
                return null;
            }
        }

        return JoinAnd(parts);
    }

    private static int? DayIndex(string token)
    {
        if (Number(token, 7) is { } n)
        {
            return n % 7;
        }

        var index = Array.FindIndex(DayNames, name => token.Length >= 3 && name.StartsWith(token, StringComparison.OrdinalIgnoreCase));
        return index >= 0 ? index : null;
    }

    private static int? MonthIndex(string token)
    {
        if (Number(token, 12) is { } n)
        {
            return n >= 1 ? n : null;
        }

        var index = Array.FindIndex(MonthNames, name => token.Length >= 3 && name.StartsWith(token, StringComparison.OrdinalIgnoreCase));
        return index >= 0 ? index + 1 : null;
    }

    private static string JoinAnd(IReadOnlyList<string> items) => items.Count switch
    {
        1 => items[0],
        _ => string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1],
    };
}
