using System.Globalization;

namespace Loom.Core.Definitions;

/// <summary>Reads the instant a wait task's <c>until</c> names: ISO-8601 with an explicit offset, so it never depends on a host's zone.</summary>
public static class WaitUntil
{
    /// <summary>Parses <paramref name="text"/> as an instant with an offset (or Z); false for anything else, a bare date or local time included.</summary>
    public static bool TryParseInstant(string text, out DateTimeOffset instant)
    {
        instant = default;
        var trimmed = text.Trim();
        if (!DateTime.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed)
            || parsed.Kind == DateTimeKind.Unspecified || !trimmed.Contains('T', StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (!DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset))
        {
            return false;
        }

        instant = withOffset.ToUniversalTime();
        return true;
    }
}
