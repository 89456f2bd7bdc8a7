using System.Text.Json;
using System.Text.Json.Serialization;

namespace Loom.Core.Orchestration;

/// <summary>
/// A payload that reads and writes itself in <see cref="RunOrchestrationJson"/>'s contract whatever
/// <see cref="JsonSerializerOptions"/> a durable host serializes it with, so the host's serializer handles it in one pass.
/// </summary>
/// <remarks>
/// <para>The type carries a <see cref="JsonConverterAttribute"/>, which System.Text.Json honours under any options (the Functions
/// worker's <c>ObjectSerializer</c> included): the value goes straight into the host's writer, or straight from its reader, in
/// the contract's shape, byte for byte what writing the value's <see cref="RunOrchestrationJson.ToPayload"/> element gives,
/// without building that element first.</para>
/// <para>A payload made from a factory computes its value only when the host writes it: the orchestration's custom status is
/// set at every step but written once, at the end of each episode.</para>
/// </remarks>
/// <typeparam name="T">The payload's type; written by the runtime type of its value.</typeparam>
[JsonConverter(typeof(RunPayloadConverterFactory))]
public sealed class RunPayload<T>
{
    private Func<T>? _make;
    private T _value;

    /// <summary>A payload of <paramref name="value"/>.</summary>
    /// <param name="value">The value.</param>
    public RunPayload(T value) => _value = value;

    /// <summary>A payload whose value <paramref name="make"/> computes the first time it is needed.</summary>
    /// <param name="make">Makes the value; runs at most once.</param>
    public RunPayload(Func<T> make)
    {
        _make = make;
        _value = default!;
    }

    /// <summary>The value (computed now for a payload made from a factory).</summary>
    public T Value
    {
        get
        {
            if (_make is { } make)
            {
                _value = make();
                _make = null;
            }

            return _value;
        }
    }
}
