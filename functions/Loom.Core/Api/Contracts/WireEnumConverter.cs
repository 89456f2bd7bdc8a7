using System.Text.Json;
using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

/// <summary>
/// Writes an enum as the API always has: its name in lower snake case (<c>succeeded</c>, <c>all_success</c>). A subclass of
/// the built-in string converter, so the schema exporter still lists the values as a string enum.
/// </summary>
/// <typeparam name="TEnum">The enum.</typeparam>
public sealed class WireEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)
    where TEnum : struct, Enum;
