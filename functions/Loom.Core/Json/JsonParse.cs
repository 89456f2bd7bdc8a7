using System.Text.Json.Nodes;

namespace Loom.Core.Json;

/// <summary>The result of <see cref="JsonNesting.Parse"/>: a value, or why there is none.</summary>
/// <param name="Value">The parsed document when <see cref="Error"/> is null (JSON null gives null too).</param>
/// <param name="Error">Why the document was refused: malformed, or too deep.</param>
/// <param name="TooDeep">True when the document is JSON but nests deeper than the limit.</param>
public readonly record struct JsonParse(JsonNode? Value, string? Error, bool TooDeep)
{
    /// <summary>True when the document parsed.</summary>
    public bool Ok => Error is null;
}
