using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Loom.Core.Engine;

/// <summary>The storage form of a <see cref="RunState"/>: compact camelCase JSON, enums as camelCase strings, nulls omitted.</summary>
public static class RunStateJson
{
    /// <summary>The serializer options used for run state (read-only).</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>Serializes a run state; the same state always gives the same string.</summary>
    public static string Serialize(RunState state) => JsonSerializer.Serialize(state, Options);

    /// <summary>Deserializes a run state written by <see cref="Serialize"/>; throws <see cref="JsonException"/> on malformed input.</summary>
    public static RunState Deserialize(string json) =>
        JsonSerializer.Deserialize<RunState>(json, Options) ?? throw new JsonException("Run state JSON is null.");

    /// <summary>Deserializes a run state, reporting malformed input as an error message instead of an exception.</summary>
    public static bool TryDeserialize(string json, [NotNullWhen(true)] out RunState? state, [NotNullWhen(false)] out string? error)
    {
        try
        {
            state = Deserialize(json);
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            state = null;
            error = "Run state is not valid: " + ex.Message;
            return false;
        }
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = false,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly();
        return options;
    }
}
