using System.Text.Json;
using System.Text.Json.Nodes;

namespace Loom.Core.Json;

/// <summary>
/// The one nesting limit for every value Loom parses and keeps (workflow values, parameters, task outputs, request and
/// response bodies), and the parser that applies it. Storage serialises at most 64 levels; a value at this limit inside the
/// envelopes Loom wraps it in (run state, attempt rows, event rows, Durable messages) stays well within that.
/// </summary>
public static class JsonNesting
{
    /// <summary>Deepest nesting of objects and arrays in a value Loom accepts: <c>[[1]]</c> nests 2 levels, a number 0.</summary>
    public const int MaxDepth = 48;

    /// <summary>The nesting of <paramref name="value"/>, counted without recursion (0 for null and scalars).</summary>
    public static int DepthOf(JsonNode? value)
    {
        if (value is not (JsonObject or JsonArray))
        {
            return 0;
        }

        var deepest = 0;
        var pending = new Stack<(JsonNode Node, int Depth)>();
        pending.Push((value, 1));
        while (pending.Count > 0)
        {
            var (node, depth) = pending.Pop();
            deepest = Math.Max(deepest, depth);
            IEnumerable<JsonNode?> children = node is JsonObject o ? o.Select(p => p.Value) : (JsonArray)node;
            foreach (var child in children)
            {
                if (child is JsonObject or JsonArray)
                {
                    pending.Push((child, depth + 1));
                }
            }
        }

        return deepest;
    }

    /// <summary>Why <paramref name="value"/> cannot be kept, or null when it nests at most <see cref="MaxDepth"/> levels.</summary>
    /// <param name="value">The value.</param>
    /// <param name="what">What the value is, for the message ("the output").</param>
    public static string? Check(JsonNode? value, string what)
    {
        var depth = DepthOf(value);
        return depth <= MaxDepth ? null : TooDeep(what, depth.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Parses UTF-8 JSON in which values sit <paramref name="envelopeLevels"/> levels down (1 for <c>{"output": value}</c>):
    /// the document may nest <see cref="MaxDepth"/> + <paramref name="envelopeLevels"/> levels. Duplicate property names are
    /// refused. A deeper document is reported as too deep (not as malformed) without being built.
    /// </summary>
    /// <param name="utf8">The document.</param>
    /// <param name="envelopeLevels">Levels of envelope around the values the document carries.</param>
    /// <param name="what">What the values are, for the too-deep message ("the output").</param>
    public static JsonParse Parse(ReadOnlySpan<byte> utf8, int envelopeLevels, string what)
    {
        var limit = MaxDepth + envelopeLevels;
        try
        {
            return new JsonParse(JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = limit, AllowDuplicateProperties = false }), null, false);
        }
        catch (JsonException ex)
        {
            return IsDeeperThan(utf8, limit)
                ? new JsonParse(null, TooDeep(what, "more than " + MaxDepth.ToString(System.Globalization.CultureInfo.InvariantCulture)), true)
                : new JsonParse(null, ex.Message, false);
        }
    }

    private static string TooDeep(string what, string depth) =>
        $"{what} nests {depth} levels deep; Loom keeps values at most {MaxDepth} levels deep: return a flatter value, or a reference to the data";

    /// <summary>True when the document is well-formed up to the point where it nests deeper than <paramref name="limit"/>.</summary>
    private static bool IsDeeperThan(ReadOnlySpan<byte> utf8, int limit)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = int.MaxValue });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= limit)
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
            // Malformed before it got too deep.
        }

        return false;
    }
}
