using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;

namespace Loom.Cli.Rendering;

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
