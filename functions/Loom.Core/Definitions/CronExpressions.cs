using NCrontab;

namespace Loom.Core.Definitions;

/// <summary>Reads the cron expressions of schedules: 5 fields (minute precision), 6 fields (leading seconds), or a macro such as <c>@daily</c>.</summary>
public static class CronExpressions
{
    private static readonly Dictionary<string, string> Macros = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    };

    /// <summary>Parses <paramref name="expression"/>; <paramref name="normalized"/> is the expression with a macro expanded and spaces collapsed.</summary>
    /// <returns>The schedule, or null with <paramref name="error"/> set.</returns>
    public static CrontabSchedule? TryParse(string? expression, out string normalized, out string? error)
    {
        normalized = string.Empty;
        error = null;
        if (string.IsNullOrWhiteSpace(expression))
        {
            error = "the cron expression is empty";
            return null;
        }

        var trimmed = expression.Trim();
        if (trimmed.StartsWith('@'))
        {
            if (!Macros.TryGetValue(trimmed, out var expanded))
            {
                error = $"unknown cron macro '{trimmed}'; allowed: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly";
                return null;
            }

            trimmed = expanded;
        }

        var fields = trimmed.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is not (5 or 6))
        {
            error = $"cron expression '{expression.Trim()}' has {fields.Length} fields; expected 5 (minute hour day month weekday) or 6 (with leading seconds)";
            return null;
        }

        normalized = string.Join(' ', fields);
        var options = new CrontabSchedule.ParseOptions { IncludingSeconds = fields.Length == 6 };
        string? reason = null;
        var schedule = CrontabSchedule.TryParse<CrontabSchedule?>(normalized, options, s => s, fail =>
        {
            reason = fail().Message;
            return null;
        });
        if (schedule is null)
        {
            error = $"invalid cron expression '{normalized}': {reason ?? "it cannot be read"}";
            normalized = string.Empty;
        }

        return schedule;
    }
}
