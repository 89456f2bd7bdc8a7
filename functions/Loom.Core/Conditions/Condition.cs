using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Templating;

namespace Loom.Core.Conditions;

/// <summary>
/// A task's <c>when:</c> condition: a small expression over dotted paths and literals, parsed once and evaluated without running
/// any code. Grammar (lowest precedence first): <c>or</c>, <c>and</c>, <c>not</c>, a comparison (<c>== != &lt; &gt; &lt;= &gt;=</c>,
/// <c>in</c>, <c>not in</c>), then a path (<c>params.X</c>, <c>run.id|workflowId|scheduledAt</c>, <c>tasks.ID.output[.path]</c>,
/// <c>tasks.ID.status</c>), a literal (quoted string, number, <c>true</c>, <c>false</c>, <c>null</c>, <c>[list, of, literals]</c>)
/// or a parenthesised expression. A bare value is tested for truthiness. The text may be wrapped in <c>${{ }}</c>.
/// </summary>
/// <remarks>
/// Bounded: at most <see cref="MaxLength"/> characters, <see cref="MaxDepth"/> levels of nesting and <see cref="MaxListItems"/> items
/// per list, so parsing and evaluation are linear in a small input (a comparison walks at most the capped outputs it names).
/// A path whose value is missing (a field the output lacks, an upstream task that did not succeed) is null, not an error.
/// </remarks>
public sealed class Condition
{
    /// <summary>Longest condition text.</summary>
    public const int MaxLength = 1000;

    /// <summary>Deepest nesting of parentheses, <c>not</c>, <c>and</c>/<c>or</c> chains and lists.</summary>
    public const int MaxDepth = 32;

    /// <summary>Most literals in one list.</summary>
    public const int MaxListItems = 100;

    /// <summary>The values <c>tasks.ID.status</c> can take (a condition runs once its upstream tasks are final).</summary>
    public static IReadOnlyList<string> StatusNames { get; } = ["succeeded", "failed", "skipped", "cancelled"];

    private static readonly string[] Keywords = ["and", "or", "not", "in", "true", "false", "null"];

    private readonly List<PathNode> paths = [];
    private readonly string source;
    private readonly int shift;
    private int position;

    private Condition(string text)
    {
        Text = text;
        var trimmed = text.Trim();
        source = text;
        if (trimmed.StartsWith("${{", StringComparison.Ordinal) && trimmed.EndsWith("}}", StringComparison.Ordinal))
        {
            // Accepted for symmetry with templates; the offset keeps error columns pointing into the original text.
            shift = text.IndexOf("${{", StringComparison.Ordinal) + 3;
            source = trimmed[3..^2];
        }
    }

    /// <summary>The condition as written.</summary>
    public string Text { get; }

    /// <summary>The paths the condition reads, with their offsets in <see cref="Text"/>, for registration checks.</summary>
    public IReadOnlyList<(int Offset, IReadOnlyList<string> Segments)> Paths => [.. paths.Select(p => (p.Offset + shift, p.Segments))];

    internal ConditionNode Root { get; private set; } = new LiteralNode(0, null);

    /// <summary>Parses a condition.</summary>
    /// <exception cref="ConditionException">The text is not a valid condition; the offset says where.</exception>
    public static Condition Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
        {
            throw new ConditionException($"a condition has at most {MaxLength} characters; this one has {text.Length}", 0);
        }

        var condition = new Condition(text);
        try
        {
            condition.Root = condition.ParseOr(0);
            condition.SkipSpace();
            if (condition.position < condition.source.Length)
            {
                throw new ConditionException($"unexpected '{condition.Rest()}'; combine conditions with 'and' or 'or'", condition.position);
            }
        }
        catch (ConditionException e)
        {
            throw new ConditionException(e.Message, e.Offset + condition.shift);
        }

        return condition;
    }

    /// <summary>
    /// Type errors found without running anything: literals (and paths whose kind <paramref name="kindOf"/> knows) compared across
    /// kinds, ordering on values that are not numbers or strings, <c>in</c> over a scalar, unknown task status names.
    /// </summary>
    public IReadOnlyList<ConditionException> Check(Func<IReadOnlyList<string>, JsonValueKind?> kindOf)
    {
        var errors = new List<ConditionException>();
        CheckNode(Root, kindOf, errors);
        return errors;
    }

    /// <summary>Evaluates the condition; <paramref name="resolve"/> gives a path's value (null when missing).</summary>
    /// <exception cref="ConditionException">Values of kinds that cannot be ordered or searched were compared.</exception>
    public bool Evaluate(Func<IReadOnlyList<string>, JsonNode?> resolve) => IsTruthy(Value(Root, resolve));

    /// <summary>False for null, false, 0, "", [] and {}; true for anything else.</summary>
    public static bool IsTruthy(JsonNode? value) => value switch
    {
        null => false,
        JsonArray a => a.Count > 0,
        JsonObject o => o.Count > 0,
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.False or JsonValueKind.Null => false,
            JsonValueKind.True => true,
            JsonValueKind.String => v.GetValue<string>().Length > 0,
            JsonValueKind.Number => Number(v) != 0,
            _ => true,
        },
        _ => true,
    };

    private static JsonNode? Value(ConditionNode node, Func<IReadOnlyList<string>, JsonNode?> resolve) => node switch
    {
        LiteralNode l => l.Value,
        PathNode p => resolve(p.Segments),
        NotNode n => JsonValue.Create(!IsTruthy(Value(n.Operand, resolve))),
        LogicNode { IsAnd: true } a => JsonValue.Create(IsTruthy(Value(a.Left, resolve)) && IsTruthy(Value(a.Right, resolve))),
        LogicNode o => JsonValue.Create(IsTruthy(Value(o.Left, resolve)) || IsTruthy(Value(o.Right, resolve))),
        CompareNode c => JsonValue.Create(Compare(c, Value(c.Left, resolve), Value(c.Right, resolve))),
        _ => null,
    };

    private static bool Compare(CompareNode node, JsonNode? left, JsonNode? right)
    {
        switch (node.Operator)
        {
            case "==":
                return Same(left, right);
            case "!=":
                return !Same(left, right);
            case "in":
            case "not in":
                var found = right switch
                {
                    JsonArray list => list.Any(item => Same(left, item)),
                    JsonObject obj when Kind(left) == JsonValueKind.String => obj.ContainsKey(left!.GetValue<string>()),
                    JsonValue text when text.GetValueKind() == JsonValueKind.String && Kind(left) == JsonValueKind.String =>
                        text.GetValue<string>().Contains(left!.GetValue<string>(), StringComparison.Ordinal),
                    _ => throw new ConditionException($"'{node.Operator}' needs a list, an object or a string on its right, not {Describe(right)}", node.Offset),
                };
                return node.Operator == "in" ? found : !found;
            default:
                int order;
                if (Kind(left) == JsonValueKind.Number && Kind(right) == JsonValueKind.Number)
                {
                    order = Number(left!).CompareTo(Number(right!));
                }
                else if (Kind(left) == JsonValueKind.String && Kind(right) == JsonValueKind.String)
                {
                    // Ordinal, so ISO-8601 instants in the same form order by time.
                    order = string.CompareOrdinal(left!.GetValue<string>(), right!.GetValue<string>());
                }
                else
                {
                    throw new ConditionException($"'{node.Operator}' compares two numbers or two strings, not {Describe(left)} and {Describe(right)}", node.Offset);
                }

                return node.Operator switch
                {
                    "<" => order < 0,
                    ">" => order > 0,
                    "<=" => order <= 0,
                    _ => order >= 0,
                };
        }
    }

    private static bool Same(JsonNode? left, JsonNode? right)
    {
        if (Kind(left) == JsonValueKind.Number && Kind(right) == JsonValueKind.Number)
        {
            return Number(left!) == Number(right!);
        }

        // JSON equality for the rest; a missing value and null are the same.
        return JsonNode.DeepEquals(left ?? JsonValue.Create((string?)null), right ?? JsonValue.Create((string?)null));
    }

    /// <summary>A JSON number as a double, whatever CLR type holds it (a value built in code may hold an int or a long).</summary>
    private static double Number(JsonNode value) =>
        value is JsonValue v && v.TryGetValue<double>(out var d) ? d : double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static JsonValueKind Kind(JsonNode? value) => value?.GetValueKind() ?? JsonValueKind.Null;

    private static string Describe(JsonNode? value) => Kind(value) switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Number => "a number",
        JsonValueKind.String => "a string",
        JsonValueKind.Array => "a list",
        _ => "an object",
    };

    private static string KindName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Number => "a number",
        JsonValueKind.String => "a string",
        JsonValueKind.Array => "a list",
        _ => "an object",
    };

    private void CheckNode(ConditionNode node, Func<IReadOnlyList<string>, JsonValueKind?> kindOf, List<ConditionException> errors)
    {
        switch (node)
        {
            case NotNode n:
                CheckNode(n.Operand, kindOf, errors);
                break;
            case LogicNode l:
                CheckNode(l.Left, kindOf, errors);
                CheckNode(l.Right, kindOf, errors);
                break;
            case CompareNode c:
                CheckNode(c.Left, kindOf, errors);
                CheckNode(c.Right, kindOf, errors);
                CheckCompare(c, kindOf, errors);
                break;
        }
    }

    private void CheckCompare(CompareNode c, Func<IReadOnlyList<string>, JsonValueKind?> kindOf, List<ConditionException> errors)
    {
        var left = StaticKind(c.Left, kindOf);
        var right = StaticKind(c.Right, kindOf);
        void Report(string message) => errors.Add(new ConditionException(message, c.Offset + shift));

        switch (c.Operator)
        {
            case "in" or "not in":
                if (right is { } r && r is not (JsonValueKind.Array or JsonValueKind.String or JsonValueKind.Object))
                {
                    Report($"'{c.Operator}' needs a list on its right, not {KindName(r)}");
                }

                if (IsStatus(c.Left) && c.Right is LiteralNode { Value: JsonArray items })
                {
                    foreach (var item in items)
                    {
                        CheckStatusName(item, Report);
                    }
                }

                break;
            case "==" or "!=":
                if (left is { } l && right is { } rr && Family(l) != Family(rr) && l != JsonValueKind.Null && rr != JsonValueKind.Null)
                {
                    Report($"'{c.Operator}' compares {KindName(l)} with {KindName(rr)}, which is always {(c.Operator == "==" ? "false" : "true")}");
                }

                if (IsStatus(c.Left) && c.Right is LiteralNode statusLiteral)
                {
                    CheckStatusName(statusLiteral.Value, Report);
                }
                else if (IsStatus(c.Right) && c.Left is LiteralNode statusLiteralLeft)
                {
                    CheckStatusName(statusLiteralLeft.Value, Report);
                }

                break;
            default:
                foreach (var kind in new[] { left, right })
                {
                    if (kind is { } k && k is not (JsonValueKind.Number or JsonValueKind.String))
                    {
                        Report($"'{c.Operator}' compares two numbers or two strings, not {KindName(k)}");
                        return;
                    }
                }

                if (left is { } a && right is { } b && a != b)
                {
                    Report($"'{c.Operator}' compares {KindName(a)} with {KindName(b)}; both sides must be numbers or both strings");
                }

                break;
        }
    }

    private static JsonValueKind Family(JsonValueKind kind) => kind == JsonValueKind.False ? JsonValueKind.True : kind;

    private static JsonValueKind? StaticKind(ConditionNode node, Func<IReadOnlyList<string>, JsonValueKind?> kindOf) => node switch
    {
        LiteralNode l => Family(Kind(l.Value)),
        PathNode p when p.Segments is ["run", _] or ["tasks", _, "status"] => JsonValueKind.String,
        PathNode p => kindOf(p.Segments) is { } k ? Family(k) : null,
        _ => JsonValueKind.True,
    };

    private static bool IsStatus(ConditionNode node) => node is PathNode { Segments: ["tasks", _, "status"] };

    private static void CheckStatusName(JsonNode? value, Action<string> report)
    {
        if (Kind(value) == JsonValueKind.String && !StatusNames.Contains(value!.GetValue<string>()))
        {
            report($"a task's status is one of {string.Join(", ", StatusNames)}, never '{value.GetValue<string>()}'");
        }
    }

    private ConditionNode ParseOr(int depth)
    {
        var left = ParseAnd(Deeper(depth));
        while (TryKeyword("or") is { } at)
        {
            left = new LogicNode(at, false, left, ParseAnd(Deeper(depth)));
            depth = Deeper(depth);
        }

        return left;
    }

    private ConditionNode ParseAnd(int depth)
    {
        var left = ParseNot(Deeper(depth));
        while (TryKeyword("and") is { } at)
        {
            left = new LogicNode(at, true, left, ParseNot(Deeper(depth)));
            depth = Deeper(depth);
        }

        return left;
    }

    private ConditionNode ParseNot(int depth)
    {
        var saved = position;
        if (TryKeyword("not") is { } at)
        {
            // "not in" only follows an operand; at the start of an expression "not" negates what follows.
            SkipSpace();
            if (!StartsWithWord("in"))
            {
                return new NotNode(at, ParseNot(Deeper(depth)));
            }

            position = saved;
        }

        return ParseComparison(depth);
    }

    private ConditionNode ParseComparison(int depth)
    {
        var left = ParsePrimary(Deeper(depth));
        SkipSpace();
        var at = position;
        string? op = null;
        foreach (var symbol in new[] { "==", "!=", "<=", ">=", "<", ">" })
        {
            if (source.AsSpan(position).StartsWith(symbol, StringComparison.Ordinal))
            {
                op = symbol;
                position += symbol.Length;
                break;
            }
        }

        if (op is null && TryKeyword("in") is not null)
        {
            op = "in";
        }
        else if (op is null && StartsWithWord("not"))
        {
            var saved = position;
            position += 3;
            if (TryKeyword("in") is not null)
            {
                op = "not in";
            }
            else
            {
                position = saved;
            }
        }

        if (op is null)
        {
            return left;
        }

        var right = ParsePrimary(Deeper(depth));
        SkipSpace();
        if (position < source.Length && "=!<>".Contains(source[position], StringComparison.Ordinal))
        {
            throw new ConditionException("comparisons do not chain; join them with 'and'", position);
        }

        return new CompareNode(at, op, left, right);
    }

    private ConditionNode ParsePrimary(int depth)
    {
        SkipSpace();
        var at = position;
        if (position >= source.Length)
        {
            throw new ConditionException(source.Trim().Length == 0 ? "the condition is empty" : "the condition ends too early: a value is missing", position);
        }

        var c = source[position];
        if (c == '(')
        {
            position++;
            var inner = ParseOr(Deeper(depth));
            Expect(')', "a ')' to close the '(' at column " + (at + shift + 1).ToString(CultureInfo.InvariantCulture));
            return inner;
        }

        if (c == '[')
        {
            return new LiteralNode(at, ParseList(depth));
        }

        if (c is '\'' or '"' || c == '-' || char.IsAsciiDigit(c))
        {
            return new LiteralNode(at, ParseScalarLiteral());
        }

        if (char.IsAsciiLetter(c) || c == '_')
        {
            var word = ReadWord();
            switch (word)
            {
                case "true":
                    return new LiteralNode(at, JsonValue.Create(true));
                case "false":
                    return new LiteralNode(at, JsonValue.Create(false));
                case "null":
                    return new LiteralNode(at, null);
                case "and" or "or" or "not" or "in":
                    throw new ConditionException($"'{word}' needs a value before it", at);
            }

            return CheckPath(at, word);
        }

        throw new ConditionException($"unexpected '{Rest()}'; expected a path (params.X, run.X, tasks.ID.output.X, tasks.ID.status), a quoted string, a number, true, false, null, a [list] or '('", at);
    }

    private JsonArray ParseList(int depth)
    {
        Deeper(depth);
        var open = position;
        position++;
        var list = new JsonArray();
        SkipSpace();
        if (position < source.Length && source[position] == ']')
        {
            position++;
            return list;
        }

        while (true)
        {
            SkipSpace();
            var at = position;
            var item = position < source.Length && source[position] == '[' ? ParseList(Deeper(depth)) : ParsePrimary(Deeper(depth)) is LiteralNode l ? l.Value : throw new ConditionException("a list holds literals only (strings, numbers, true, false, null)", at);
            if (list.Count == MaxListItems)
            {
                throw new ConditionException($"a list holds at most {MaxListItems} items", at);
            }

            list.Add(item);
            SkipSpace();
            if (position < source.Length && source[position] == ',')
            {
                position++;
                continue;
            }

            Expect(']', $"',' or a ']' to close the '[' at column {open + shift + 1}");
            return list;
        }
    }

    private JsonNode? ParseScalarLiteral()
    {
        var at = position;
        var c = source[position];
        if (c is '\'' or '"')
        {
            var text = new StringBuilder();
            position++;
            while (position < source.Length && source[position] != c)
            {
                if (source[position] == '\\' && position + 1 < source.Length)
                {
                    position++;
                }

                text.Append(source[position]);
                position++;
            }

            if (position >= source.Length)
            {
                throw new ConditionException($"the string starting here is not closed with {c}", at);
            }

            position++;
            return JsonValue.Create(text.ToString());
        }

        var start = position;
        if (c == '-')
        {
            position++;
        }

        while (position < source.Length && (char.IsAsciiDigit(source[position]) || source[position] is '.' or 'e' or 'E' or '+' || (source[position] == '-' && source[position - 1] is 'e' or 'E')))
        {
            position++;
        }

        var number = source[start..position];
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw new ConditionException($"'{number}' is not a number", at);
        }

        return JsonValue.Create(value);
    }

    private PathNode CheckPath(int at, string word)
    {
        var segments = word.Split('.');
        if (segments.Any(s => s.Length == 0))
        {
            throw new ConditionException($"'{word}' is not a dotted path", at);
        }

        var error = segments[0] switch
        {
            "params" when segments.Length < 2 => "name the parameter: params.NAME",
            "run" when segments.Length != 2 || !TemplateEngine.RunFields.Contains(segments[1]) =>
                $"unknown run field '{string.Join('.', segments.Skip(1))}'; allowed: run.id, run.workflowId, run.scheduledAt",
            "tasks" when segments.Length < 3 || segments[2] is not ("output" or "status") => "refer to a task as tasks.ID.output[.PATH] or tasks.ID.status",
            "tasks" when segments[2] == "status" && segments.Length > 3 => "tasks.ID.status has no fields",
            "secrets" => "conditions cannot read secrets",
            "params" or "run" or "tasks" => null,
            _ => Keywords.Contains(segments[0]) ? $"'{segments[0]}' is a keyword, not a path"
                : $"unknown name '{segments[0]}'; a path starts with params, run or tasks (quote text: '{segments[0]}')",
        };
        if (error is not null)
        {
            throw new ConditionException(error, at);
        }

        var path = new PathNode(at, segments);
        paths.Add(path);
        return path;
    }

    private string ReadWord()
    {
        var start = position;
        while (position < source.Length && (char.IsAsciiLetterOrDigit(source[position]) || source[position] is '_' or '-' or '.'))
        {
            position++;
        }

        return source[start..position];
    }

    private int? TryKeyword(string keyword)
    {
        SkipSpace();
        if (!StartsWithWord(keyword))
        {
            return null;
        }

        var at = position;
        position += keyword.Length;
        return at;
    }

    private bool StartsWithWord(string word)
    {
        var end = position + word.Length;
        return source.AsSpan(position).StartsWith(word, StringComparison.Ordinal)
            && (end >= source.Length || !(char.IsAsciiLetterOrDigit(source[end]) || source[end] is '_' or '-' or '.'));
    }

    private void Expect(char c, string what)
    {
        SkipSpace();
        if (position >= source.Length || source[position] != c)
        {
            throw new ConditionException(position >= source.Length ? $"expected {what}, but the condition ends" : $"expected {what}, not '{Rest()}'", position);
        }

        position++;
    }

    private int Deeper(int depth) => depth + 1 > MaxDepth * 4
        ? throw new ConditionException($"the condition nests too deeply (at most {MaxDepth} levels)", position)
        : depth + 1;

    private void SkipSpace()
    {
        while (position < source.Length && char.IsWhiteSpace(source[position]))
        {
            position++;
        }
    }

    private string Rest() => source.Length - position > 20 ? source.Substring(position, 20) + "..." : source[position..];
}
