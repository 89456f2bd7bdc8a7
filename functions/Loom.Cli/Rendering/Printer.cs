using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;

namespace Loom.Cli.Rendering;

/// <summary>How a read command prints its answer.</summary>
internal enum OutputFormat
{
    /// <summary>Aligned columns for people.</summary>
    Table,

    /// <summary>The API's JSON, indented.</summary>
    Json,

    /// <summary>The same data as YAML.</summary>
    Yaml,
}

/// <summary>Prints API answers as JSON, YAML, or through a command's own table renderer.</summary>
internal static class Printer
{
    /// <summary>The values <c>-o</c> accepts.</summary>
    public static readonly string[] FormatNames = ["table", "json", "yaml"];

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        // The output is read by people and by JSON parsers, never embedded in HTML: keep '<', '+' and non-ASCII readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly ISerializer YamlWriter = new SerializerBuilder()
        .WithQuotingNecessaryStrings()
        .WithEventEmitter(next => new LiteralMultilineEmitter(next))
        .Build();

    /// <summary>Reads a validated <c>-o</c> value.</summary>
    public static OutputFormat Parse(string? name) => name?.ToLowerInvariant() switch
    {
        "json" => OutputFormat.Json,
        "yaml" => OutputFormat.Yaml,
        _ => OutputFormat.Table,
    };

    /// <summary>Prints <paramref name="data"/> in <paramref name="format"/>; <paramref name="table"/> draws the table form.</summary>
    public static void Write(TextWriter output, OutputFormat format, JsonNode? data, Action<TextWriter> table)
    {
        switch (format)
        {
            case OutputFormat.Json:
                output.WriteLine(Json(data));
                break;
            case OutputFormat.Yaml:
                output.Write(Yaml(data));
                break;
            default:
                table(output);
                break;
        }
    }

    /// <summary>Indented JSON.</summary>
    public static string Json(JsonNode? data) => data is null ? "null" : data.ToJsonString(Indented);

    /// <summary>One-line JSON (for streams of items).</summary>
    public static string CompactJson(JsonNode? data) => data is null ? "null" : data.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>The same data as YAML: objects become mappings, arrays sequences; strings that would read as another type are quoted.</summary>
    public static string Yaml(JsonNode? data) => YamlWriter.Serialize(ToPlain(data));

    private static object? ToPlain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => ToPlain(p.Value)),
        JsonArray a => a.Select(ToPlain).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => v.TryGetValue<long>(out var l) ? l : v.TryGetValue<decimal>(out var m) ? m : v.GetValue<double>(),
            _ => null,
        },
        _ => node.ToJsonString(),
    };
}

/// <summary>Writes multi-line strings (a workflow's source) as literal blocks, so they read like the file they came from.</summary>
internal sealed class LiteralMultilineEmitter(IEventEmitter next) : ChainedEventEmitter(next)
{
    public override void Emit(ScalarEventInfo eventInfo, IEmitter emitter)
    {
        if (eventInfo.Source.Value is string text && text.Contains('\n', StringComparison.Ordinal))
        {
            eventInfo.Style = ScalarStyle.Literal;
        }
        base.Emit(eventInfo, emitter);
    }
}

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
