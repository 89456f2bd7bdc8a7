using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Json;

namespace Loom.Core.Triggers;

/// <summary>Reads an event's body (a queue message, a webhook call) as the parameters of a run, checked as a trigger's params are.</summary>
public static class TriggerParams
{
    /// <summary>
    /// The run's parameter overrides from <paramref name="utf8"/>, or why it cannot start a run: an empty body is <c>{}</c>;
    /// anything else must be a JSON object naming declared parameters only.
    /// </summary>
    public static (JsonObject? Params, string? Error) Read(ReadOnlySpan<byte> utf8, WorkflowDefinition definition)
    {
        JsonObject given;
        if (IsBlank(utf8))
        {
            given = [];
        }
        else
        {
            var parsed = JsonNesting.Parse(utf8, 1, "a parameter");
            if (!parsed.Ok)
            {
                return (null, parsed.TooDeep ? parsed.Error : $"the body is not JSON ({parsed.Error})");
            }

            if (parsed.Value is not JsonObject o)
            {
                return (null, $"the body must be a JSON object of parameters, not {Kind(parsed.Value)}");
            }

            given = o;
        }

        var resolved = RunParameters.Resolve(definition, given);
        return resolved.IsValid ? (given, null) : (null, "bad params: " + string.Join("; ", resolved.Errors));
    }

    /// <summary>
    /// A queue message's parameters: its text as JSON, or, when that is not JSON, its text as base64 of JSON (what the Functions
    /// queue bindings and some SDKs send).
    /// </summary>
    public static (JsonObject? Params, string? Error) ReadMessage(string body, WorkflowDefinition definition)
    {
        var utf8 = Encoding.UTF8.GetBytes(body);
        var first = Read(utf8, definition);
        if (first.Error is null || !first.Error.StartsWith("the body is not JSON", StringComparison.Ordinal))
        {
            return first;
        }

        var decoded = new byte[body.Length];
        return Convert.TryFromBase64String(body.Trim(), decoded, out var length) && length > 0 && Read(decoded.AsSpan(0, length), definition) is { Error: null } fromBase64
            ? fromBase64
            : first;
    }

    private static bool IsBlank(ReadOnlySpan<byte> utf8)
    {
        foreach (var b in utf8)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }

        return true;
    }

    private static string Kind(JsonNode? value) => value switch
    {
        null => "null",
        JsonArray => "an array",
        _ => "a single value",
    };
}
