using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Loom.Core.Orchestration;

/// <summary>
/// The JSON contract of every payload Loom hands to a durable host (orchestration input and output, activity inputs and
/// results, external events, custom status): camelCase names, enums as camelCase strings, like Loom's HTTP API.
/// </summary>
/// <remarks>
/// A host hands each payload over as a <see cref="RunPayload{T}"/>, which reads and writes itself with these options under
/// any serializer, so the host's own (the Functions worker's <c>ObjectSerializer</c>, PascalCase with numeric enums by
/// default) cannot change what the Durable monitor, Application Insights and the history show.
/// </remarks>
public static class RunOrchestrationJson
{
    /// <summary>The options of the contract (read-only).</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>The payload as JSON in the contract's shape; null stays a JSON null.</summary>
    /// <param name="value">A payload object.</param>
    public static JsonElement ToPayload(object? value) => JsonSerializer.SerializeToElement(value, value?.GetType() ?? typeof(object), Options);

    /// <summary>Reads a payload written by <see cref="ToPayload"/> (or by any writer of the same shape).</summary>
    /// <typeparam name="T">Payload type.</typeparam>
    /// <param name="payload">The JSON the host delivered.</param>
    public static T FromPayload<T>(JsonElement payload) =>
        payload.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null
            ? default!
            : payload.Deserialize<T>(Options)!;

    private static JsonSerializerOptions CreateOptions()
    {
        // Nulls are written (no WhenWritingNull): a property left out would read back as its default, which for some
        // definition fields is not null.
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly();
        return options;
    }
}
