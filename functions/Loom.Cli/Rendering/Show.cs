using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;

namespace Loom.Cli.Rendering;

/// <summary>Formats the API's values for tables and lines.</summary>
internal static class Show
{
    /// <summary>A string field, or null.</summary>
    public static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node is JsonValue other ? other.ToJsonString() : null;

    /// <summary>An integer field, or null.</summary>
    public static int? Int(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out var i) ? i : node is JsonValue d && d.TryGetValue<double>(out var x) ? (int)x : null;

    /// <summary>A whole-number field that may exceed an int (an event's sequence), or null.</summary>
    public static long? Long(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var l) ? l : null;

    /// <summary>A number field, or null.</summary>
    public static double? Num(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    /// <summary>A boolean field (false when absent).</summary>
    public static bool Bool(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    /// <summary>An instant field, or null.</summary>
    public static DateTimeOffset? Instant(JsonNode? node) =>
        Str(node) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    /// <summary>An instant as "2026-11-22 03:00:00Z", or "-".</summary>
    public static string Time(JsonNode? node) => Instant(node) is { } at ? Time(at) : "-";

    /// <summary>An instant as "2026-11-22 03:00:00Z".</summary>
    public static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A duration as "350ms", "4.2s", "30s", "3m05s" or "2h10m".</summary>
    public static string Duration(TimeSpan d)
    {
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        if (d < TimeSpan.FromSeconds(1)) return $"{(int)d.TotalMilliseconds}ms";
        if (d < TimeSpan.FromMinutes(1)) return d.TotalSeconds.ToString(d.Milliseconds == 0 ? "0" : "0.0", CultureInfo.InvariantCulture) + "s";
        if (d < TimeSpan.FromHours(1)) return $"{(int)d.TotalMinutes}m{d.Seconds:00}s";
        return $"{(int)d.TotalHours}h{d.Minutes:00}m";
    }

    /// <summary>A duration in milliseconds as text, or "-".</summary>
    public static string Millis(JsonNode? node) => Num(node) is { } ms ? Duration(TimeSpan.FromMilliseconds(ms)) : "-";

    /// <summary>True for the statuses a run never leaves.</summary>
    public static bool IsFinal(string? runStatus) => Loom.Core.Engine.RunStatuses.IsFinal(runStatus);

    /// <summary>Text cut to <paramref name="max"/> characters on one line.</summary>
    public static string OneLine(string? text, int max = 120)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= max ? line : line[..(max - 1)] + "…";
    }
}
