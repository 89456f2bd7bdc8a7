using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Loom.Core.Api.Contracts;
using Loom.Core.Json;

namespace Loom.Core.Api;

/// <summary>
/// Reads a JSON request body into its contract record through <see cref="LoomJsonContext"/>, answering every mistake with a
/// 400 that names the field and says what it must be: broken JSON, a body that is not an object, a required field missing or
/// null, a field of the wrong JSON type. Fields the record does not know are ignored, as they always were.
/// </summary>
internal static class RequestBody
{
    /// <summary>
    /// The body as <typeparamref name="T"/>; an empty body reads as <c>{}</c>. Values may nest <see cref="JsonNesting.MaxDepth"/>
    /// levels below the record's <paramref name="envelopeLevels"/> (2 for <c>{"params": {"name": value}}</c>).
    /// </summary>
    public static T Read<T>(ReadOnlySpan<byte> body, JsonTypeInfo<T> type, int envelopeLevels = 2)
    {
        var parsed = ParseObject(body, envelopeLevels, "a value in the body");
        if (parsed.TooDeep) throw Problem("Nested too deep", parsed.Error!);
        return Bind((JsonObject)parsed.Value!, type);
    }

    /// <summary>
    /// The body parsed as a JSON object (an empty body is <c>{}</c>), or too deep; broken JSON or another kind of value is a 400.
    /// Duplicate names are refused while parsing, so a record never sees one of two values silently.
    /// </summary>
    public static JsonParse ParseObject(ReadOnlySpan<byte> body, int envelopeLevels, string what)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty) return new JsonParse(new JsonObject(), null, false);
        var parsed = JsonNesting.Parse(body, envelopeLevels, what);
        if (parsed.TooDeep) return parsed;
        if (!parsed.Ok) throw Problem("Malformed JSON", $"The body is not valid JSON: {parsed.Error}");
        return parsed.Value is JsonObject ? parsed : throw Problem("Malformed JSON", "The body must be a JSON object.");
    }

    /// <summary>Binds a parsed body to <typeparamref name="T"/>, naming the first field that does not fit.</summary>
    public static T Bind<T>(JsonObject body, JsonTypeInfo<T> type)
    {
        foreach (var property in type.Properties)
        {
            // A constructor parameter without a default is required; null counts as missing (the records' strings are not nullable).
            if (property.AssociatedParameter is { HasDefaultValue: false } && body[property.Name] is null)
            {
                throw Problem($"Missing {property.Name}", $"'{property.Name}' is required: {Describe(property)}");
            }
        }
        try
        {
            return body.Deserialize(type) ?? throw Problem("Malformed JSON", "The body must be a JSON object.");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            var field = FieldOf((ex as JsonException)?.Path);
            var property = type.Properties.FirstOrDefault(p => p.Name == field);
            if (property is null || field is null) throw Problem("Malformed JSON", $"The body does not fit: {ex.Message}");
            throw Problem($"Bad {field}", $"'{field}' must be {Expected(property.PropertyType)}, not {Kind(body[field])}: {Describe(property)}");
        }
    }

    /// <summary>The top-level field a serializer error path points into: <c>$.params.x</c> and <c>$['params']</c> give params.</summary>
    private static string? FieldOf(string? path)
    {
        if (path is null || !path.StartsWith('$') || path.Length < 2) return null;
        if (path[1] == '.')
        {
            var rest = path[2..];
            var end = rest.IndexOfAny(['.', '[']);
            return end < 0 ? rest : rest[..end];
        }
        if (path.StartsWith("$['", StringComparison.Ordinal))
        {
            var end = path.IndexOf("']", 3, StringComparison.Ordinal);
            return end < 0 ? null : path[3..end];
        }
        return null;
    }

    private static string Expected(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(string) => "a string",
        var t when t == typeof(int) || t == typeof(long) => "a whole number",
        var t when t == typeof(bool) => "true or false",
        var t when t == typeof(JsonObject) => "a JSON object",
        var t when t == typeof(double) => "a number",
        var t => $"a {t.Name}",
    };

    private static string Kind(JsonNode? value) => value?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "the number " + value!.ToJsonString(),
        JsonValueKind.True or JsonValueKind.False => value!.ToJsonString(),
        JsonValueKind.Array => "an array",
        _ => "an object",
    };

    /// <summary>The field's description, as the OpenAPI document shows it.</summary>
    private static string Describe(JsonPropertyInfo property) =>
        property.AttributeProvider?.GetCustomAttributes(typeof(DescriptionAttribute), true).OfType<DescriptionAttribute>().FirstOrDefault()?.Description
        ?? property.Name;

    private static ApiProblemException Problem(string title, string detail) => new(ApiResponse.Problem(400, title, detail));
}
