using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Loom.Core.Definitions;

/// <summary>Types YAML scalars by the YAML 1.2 core schema and converts YAML nodes to JSON, so YAML and JSON sources give the same values.</summary>
internal static partial class YamlValues
{
    /// <summary>Most nodes one value may expand to; aliases could otherwise multiply a small source into a huge value.</summary>
    public const int MaxNodes = 100_000;

    /// <summary>True when the scalar is an untagged plain null (<c>~</c>, <c>null</c> or nothing).</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar
        && !IsStringTag(scalar)
        && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    /// <summary>The typed JSON value of a scalar: quoted and tagged-string scalars stay strings, plain ones may be numbers, booleans or null.</summary>
    public static JsonNode? ScalarToJson(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any) || IsStringTag(scalar))
        {
            return JsonValue.Create(text);
        }

        if (IsNull(scalar))
        {
            return null;
        }

        if (TryBool(text, out var flag))
        {
            return JsonValue.Create(flag);
        }

        if (TryInteger(text, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (FloatPattern().IsMatch(text)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)
            && double.IsFinite(real))
        {
            return JsonValue.Create(real);
        }

        // .inf and .nan have no JSON form, and anything else is text.
        return JsonValue.Create(text);
    }

    /// <summary>Parses the core schema's booleans.</summary>
    public static bool TryBool(string text, out bool value)
    {
        switch (text)
        {
            case "true" or "True" or "TRUE":
                value = true;
                return true;
            case "false" or "False" or "FALSE":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    /// <summary>Parses the core schema's integers (decimal, 0x hex, 0o octal) that fit in a long.</summary>
    public static bool TryInteger(string text, out long value)
    {
        value = 0;
        if (text.StartsWith("0x", StringComparison.Ordinal) && text.Length > 2)
        {
            return long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && value >= 0;
        }

        if (text.StartsWith("0o", StringComparison.Ordinal) && text.Length > 2)
        {
            try
            {
                value = System.Convert.ToInt64(text[2..], 8);
                return value >= 0;
            }
            catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
            {
                return false;
            }
        }

        return IntegerPattern().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Converts any node to JSON; <paramref name="onString"/> sees every string scalar (for template checks); null when the value is too large.</summary>
    public static JsonNode? ToJson(YamlNode node, Action<YamlScalarNode, string>? onString, ref int budget, out bool tooLarge)
    {
        tooLarge = false;
        var result = Convert(node, onString, ref budget, 0);
        if (budget < 0)
        {
            tooLarge = true;
            return null;
        }

        return result;
    }

    private static JsonNode? Convert(YamlNode node, Action<YamlScalarNode, string>? onString, ref int budget, int depth)
    {
        if (--budget < 0 || depth > YamlLoader.MaxDepth)
        {
            budget = -1;
            return null;
        }

        switch (node)
        {
            case YamlScalarNode scalar:
                var value = ScalarToJson(scalar);
                if (value is JsonValue json && json.TryGetValue<string>(out var text))
                {
                    onString?.Invoke(scalar, text);
                }

                return value;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var child in sequence.Children)
                {
                    array.Add(Convert(child, onString, ref budget, depth + 1));
                    if (budget < 0)
                    {
                        return null;
                    }
                }

                return array;
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, child) in mapping.Children)
                {
                    var name = KeyText(key);
                    if (name is null || name.StartsWith(YamlLoader.DuplicateKeyPrefix, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    obj[name] = Convert(child, onString, ref budget, depth + 1);
                    if (budget < 0)
                    {
                        return null;
                    }
                }

                return obj;
            default:
                return null;
        }
    }

    /// <summary>The text of a mapping key, or null when the key is not a scalar.</summary>
    public static string? KeyText(YamlNode key) => key is YamlScalarNode scalar ? scalar.Value ?? string.Empty : null;

    /// <summary>Names the kind of a node for "wrong type" messages.</summary>
    public static string KindOf(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode scalar when IsNull(scalar) => "null",
        YamlScalarNode scalar => ScalarToJson(scalar) switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => $"the text '{Shorten(s)}'",
            JsonValue v => $"the value {v.ToJsonString()}",
            _ => "null",
        },
        _ => "an unsupported node",
    };

    /// <summary>Cuts long user text so messages stay one line.</summary>
    public static string Shorten(string text)
    {
        var oneLine = text.ReplaceLineEndings(" ");
        return oneLine.Length <= 60 ? oneLine : string.Concat(oneLine.AsSpan(0, 57), "...");
    }

    private static bool IsStringTag(YamlScalarNode scalar) =>
        !scalar.Tag.IsEmpty && scalar.Tag.Value is "tag:yaml.org,2002:str" or "!!str";

    [GeneratedRegex(@"^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();
}
