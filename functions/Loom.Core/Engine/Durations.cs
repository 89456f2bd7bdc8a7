using System.Globalization;
using System.Text;

namespace Loom.Core.Engine;

/// <summary>Short human-readable durations for reasons and log messages, e.g. "1h30m", "2.5s".</summary>
public static class Durations
{
    /// <summary>Formats <paramref name="value"/> as days, hours, minutes and seconds with up to three decimals.</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            return "-" + Format(value.Duration());
        }

        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var sb = new StringBuilder();
        if (value.Days > 0)
        {
            sb.Append(value.Days.ToString(CultureInfo.InvariantCulture)).Append('d');
        }

        if (value.Hours > 0)
        {
            sb.Append(value.Hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (value.Minutes > 0)
        {
            sb.Append(value.Minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        var seconds = value.Seconds + (value.Milliseconds / 1000.0);
        if (seconds > 0 || sb.Length == 0)
        {
            sb.Append(seconds.ToString("0.###", CultureInfo.InvariantCulture)).Append('s');
        }

        return sb.ToString();
    }
}
