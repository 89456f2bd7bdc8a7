using System.Text.Json;
using System.Text.Json.Serialization;

namespace Loom.Core.Orchestration;

/// <summary>Reads and writes every <see cref="RunPayload{T}"/> in <see cref="RunOrchestrationJson"/>'s contract, ignoring the options it is called with.</summary>
public sealed class RunPayloadConverterFactory : JsonConverterFactory
{
    /// <inheritdoc />
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(RunPayload<>);

    /// <inheritdoc />
    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    private sealed class Converter<T> : JsonConverter<RunPayload<T>>
    {
        // A JSON null is a payload of null rather than no payload, as RunOrchestrationJson.FromPayload reads it.
        public override bool HandleNull => true;

        public override RunPayload<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            new(reader.TokenType == JsonTokenType.Null ? default! : JsonSerializer.Deserialize<T>(ref reader, RunOrchestrationJson.Options)!);

        public override void Write(Utf8JsonWriter writer, RunPayload<T> value, JsonSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNullValue();
                return;
            }

            var payload = value.Value;
            JsonSerializer.Serialize(writer, payload, payload?.GetType() ?? typeof(T), RunOrchestrationJson.Options);
        }
    }
}
