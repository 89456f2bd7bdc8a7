using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Loom.Core.Definitions;

/// <summary>
/// Reads and writes the durations of workflow sources. Accepted forms:
/// a bare number of seconds (<c>30</c>, or the YAML integer 30);
/// one or more number-unit pairs from largest to smallest unit, units <c>d</c>, <c>h</c>, <c>m</c>, <c>s</c>, <c>ms</c>
/// (<c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>, <c>1h30m</c>, <c>1.5h</c>, spaces allowed between pairs);
/// ISO-8601 durations with weeks, days, hours, minutes and seconds (<c>PT30S</c>, <c>P1DT2H</c>, <c>P2W</c>);
/// years and months are refused because their length varies. Durations are never negative and at most 3650 days.
/// </summary>
public static partial class Durations
{
    /// <summary>Longest duration accepted anywhere.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(3650);

    /// <summary>The sentence shown when a duration cannot be read.</summary>
    public const string Help = "use forms like 500ms, 30s, 5m, 2h, 1d, 1h30m, PT30S, or a number of seconds";

    /// <summary>Parses <paramref name="text"/> in any accepted form.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        decimal ticks;
        if (SecondsPattern().IsMatch(trimmed))
        {
            ticks = decimal.Parse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) * TimeSpan.TicksPerSecond;
        }
        else if (trimmed[0] is 'P' or 'p')
        {
            if (!TryIso(trimmed, out ticks))
            {
                return false;
            }
        }
        else if (!TryUnits(trimmed, out ticks))
        {
            return false;
        }

        if (ticks > Max.Ticks)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)decimal.Round(ticks));
        return true;
    }

    /// <summary>Writes a duration in the short unit form, e.g. "1h30m", "500ms", "0s".</summary>
    public static string Format(TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            return "0s";
        }

        var text = new StringBuilder();
        Append(text, value.Days, "d");
        Append(text, value.Hours, "h");
        Append(text, value.Minutes, "m");
        Append(text, value.Seconds, "s");
        Append(text, value.Milliseconds, "ms");
        return text.Length == 0 ? "0s" : text.ToString();
    }

    private static void Append(StringBuilder text, int amount, string unit)
    {
        if (amount > 0)
        {
            text.Append(amount.ToString(CultureInfo.InvariantCulture)).Append(unit);
        }
    }

    private static bool TryUnits(string text, out decimal ticks)
    {
        ticks = 0;
        var matches = UnitPattern().Matches(text);
        var consumed = 0;
        var lastRank = int.MaxValue;
        foreach (Match match in matches)
        {
            if (match.Index != consumed)
            {
                return false;
            }

            consumed += match.Length;
            var (rank, unitTicks) = match.Groups[2].Value switch
            {
                "d" => (5, TimeSpan.TicksPerDay),
                "h" => (4, TimeSpan.TicksPerHour),
                "m" => (3, TimeSpan.TicksPerMinute),
                "s" => (2, TimeSpan.TicksPerSecond),
                _ => (1, TimeSpan.TicksPerMillisecond),
            };

            // Largest unit first, each at most once: "30m1h" is more likely a typo than a wish.
            if (rank >= lastRank)
            {
                return false;
            }

            lastRank = rank;
            if (!TryNumber(match.Groups[1].Value, out var amount) || amount > Max.Ticks / unitTicks)
            {
                return false;
            }

            ticks += amount * unitTicks;
        }

        return matches.Count > 0 && consumed == text.Length;
    }

    private static bool TryIso(string text, out decimal ticks)
    {
        ticks = 0;
        var match = IsoPattern().Match(text.ToUpperInvariant());
        if (!match.Success || text.EndsWith('T') || text.EndsWith('t') || !match.Groups.Values.Skip(1).Any(g => g.Success))
        {
            return false;
        }

        ReadOnlySpan<long> units = [TimeSpan.TicksPerDay * 7, TimeSpan.TicksPerDay, TimeSpan.TicksPerHour, TimeSpan.TicksPerMinute, TimeSpan.TicksPerSecond];
        for (var i = 0; i < units.Length; i++)
        {
            var group = match.Groups[i + 1];
            if (!group.Success)
            {
                continue;
            }

            if (!TryNumber(group.Value.Replace(',', '.'), out var amount) || amount > Max.Ticks / units[i])
            {
                return false;
            }

            ticks += amount * units[i];
        }

        return true;
    }

    private static bool TryNumber(string text, out decimal value) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);

    [GeneratedRegex(@"^[0-9]{1,12}(\.[0-9]{1,9})?$", RegexOptions.CultureInvariant)]
    private static partial Regex SecondsPattern();

    [GeneratedRegex(@"\G\s*([0-9]{1,12}(?:\.[0-9]{1,9})?)(ms|d|h|m|s)\s*", RegexOptions.CultureInvariant)]
    private static partial Regex UnitPattern();

    [GeneratedRegex(@"^P(?:([0-9]{1,12}(?:[.,][0-9]{1,9})?)W)?(?:([0-9]{1,12}(?:[.,][0-9]{1,9})?)D)?(?:T(?:([0-9]{1,12}(?:[.,][0-9]{1,9})?)H)?(?:([0-9]{1,12}(?:[.,][0-9]{1,9})?)M)?(?:([0-9]{1,12}(?:[.,][0-9]{1,9})?)S)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoPattern();
}
