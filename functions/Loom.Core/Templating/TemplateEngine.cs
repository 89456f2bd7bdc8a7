using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Loom.Core.Text;

namespace Loom.Core.Templating;

/// <summary>Renders <c>${{ ... }}</c> expressions (dotted paths only: params, run, tasks.X.output, secrets) in strings and JSON.</summary>
/// <remarks>
/// An expression is <c>${{</c>, optional spaces, a dotted path of segments made of letters, digits, '_' and '-', optional spaces, <c>}}</c>.
/// Paths: <c>params.NAME[.path]</c>, <c>run.id</c>, <c>run.workflowId</c>, <c>run.scheduledAt</c> (ISO-8601 UTC),
/// <c>tasks.ID.output[.path]</c>, <c>secrets.NAME</c>, and in a <c>forEach</c> task <c>item[.path]</c> and <c>index</c>. A numeric segment indexes an array. Nothing is evaluated: there are no operators or calls.
/// </remarks>
public static partial class TemplateEngine
{
    /// <summary>The roots an expression may start with.</summary>
    public static IReadOnlyList<string> Roots { get; } = ["params", "run", "tasks", "secrets", "item", "index"];

    /// <summary>The fields of the <c>run</c> root.</summary>
    public static IReadOnlyList<string> RunFields { get; } = ["id", "workflowId", "scheduledAt"];

    private const string Open = "${{";
    private const string Close = "}}";

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Renders a string template: each expression is replaced by its value's text (strings as they are, other JSON compact).</summary>
    /// <exception cref="TemplateException">An expression is malformed or its value is missing.</exception>
    public static string Render(string template, TemplateScope scope)
    {
        if (!template.Contains(Open, StringComparison.Ordinal))
        {
            return template;
        }

        var references = FindReferences(template);
        var text = new StringBuilder(template.Length);
        var position = 0;
        foreach (var reference in references)
        {
            text.Append(template, position, reference.Offset - position);
            text.Append(ResolveText(reference, scope));
            position = reference.Offset + reference.Length;
        }

        text.Append(template, position, template.Length - position);
        return text.ToString();
    }

    /// <summary>Renders every string inside a JSON template; a string that is exactly one expression takes the referenced JSON value.</summary>
    /// <exception cref="TemplateException">An expression is malformed or its value is missing.</exception>
    public static JsonNode? RenderJson(JsonNode? template, TemplateScope scope) => RenderNode(template, scope, 0);

    /// <summary>Finds every expression in <paramref name="text"/>, in order, each checked for syntax and shape (not against a workflow).</summary>
    public static IReadOnlyList<TemplateReference> FindReferences(string text)
    {
        var found = new List<TemplateReference>();
        var start = text.IndexOf(Open, StringComparison.Ordinal);
        while (start >= 0)
        {
            var close = text.IndexOf(Close, start + Open.Length, StringComparison.Ordinal);
            if (close < 0)
            {
                var rest = text[(start + Open.Length)..].Trim();
                found.Add(new TemplateReference(start, text.Length - start, rest, [], "'${{' is not closed with '}}'"));
                break;
            }

            var expression = text[(start + Open.Length)..close].Trim();
            var length = close + Close.Length - start;
            found.Add(Check(start, length, expression));
            start = text.IndexOf(Open, close + Close.Length, StringComparison.Ordinal);
        }

        return found;
    }

    /// <summary>The value an expression refers to.</summary>
    /// <exception cref="TemplateException">The expression is malformed or its value is missing.</exception>
    public static JsonNode? Resolve(TemplateReference reference, TemplateScope scope)
    {
        if (reference.Error is not null)
        {
            throw new TemplateException($"cannot render '${{{{ {reference.Expression} }}}}': {reference.Error}", reference.Expression);
        }

        var path = reference.Path;
        switch (reference.Root)
        {
            case "params":
                if (!scope.Params.TryGetPropertyValue(path[1], out var value) || value is null)
                {
                    throw Fail(reference, $"parameter '{path[1]}' has no value (give it a default or pass it when the run is triggered)");
                }

                return Walk(reference, value, 2);
            case "run":
                return path[1] switch
                {
                    "id" => JsonValue.Create(scope.RunId),
                    "workflowId" => JsonValue.Create(scope.WorkflowId),
                    _ => JsonValue.Create(FormatInstant(scope.ScheduledAt)),
                };
            case "item" or "index" when scope.Index is null:
                throw Fail(reference, $"'{reference.Root}' exists only in a task with forEach");
            case "item":
                return Walk(reference, scope.Item, 1);
            case "index":
                return JsonValue.Create(scope.Index!.Value);
            case "tasks":
                if (!scope.Outputs.TryGetValue(path[1], out var output))
                {
                    throw Fail(reference, $"task '{path[1]}' has no output (it has not succeeded in this run)");
                }

                return Walk(reference, output, 3);
            default:
                var secret = scope.Secrets?.GetSecret(path[1]);
                return secret is null
                    ? throw Fail(reference, $"secret '{path[1]}' is not configured on this host")
                    : JsonValue.Create(secret);
        }
    }

    /// <summary>The text an expression is replaced by in a string template: a string as it is, any other JSON compact.</summary>
    /// <exception cref="TemplateException">The expression is malformed or its value is missing.</exception>
    public static string ResolveText(TemplateReference reference, TemplateScope scope) => ToText(Resolve(reference, scope));

    /// <summary>How <c>run.scheduledAt</c> is written: ISO-8601 in UTC, fractions of a second only when present.</summary>
    public static string FormatInstant(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static JsonNode? RenderNode(JsonNode? node, TemplateScope scope, int depth)
    {
        if (depth > 256)
        {
            throw new TemplateException("the JSON template is nested too deeply");
        }

        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                var renderedObject = new JsonObject();
                foreach (var (name, child) in obj)
                {
                    renderedObject[name] = RenderNode(child, scope, depth + 1);
                }

                return renderedObject;
            case JsonArray array:
                var renderedArray = new JsonArray();
                foreach (var child in array)
                {
                    renderedArray.Add(RenderNode(child, scope, depth + 1));
                }

                return renderedArray;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                if (!text.Contains(Open, StringComparison.Ordinal))
                {
                    return JsonValue.Create(text);
                }

                var references = FindReferences(text);
                if (references is [var only] && only.Offset == 0 && only.Length == text.Length)
                {
                    return Resolve(only, scope)?.DeepClone();
                }

                return JsonValue.Create(Render(text, scope));
            default:
                return node.DeepClone();
        }
    }

    private static TemplateReference Check(int offset, int length, string expression)
    {
        if (expression.Length == 0)
        {
            return new TemplateReference(offset, length, expression, [], "the expression is empty");
        }

        if (!PathPattern().IsMatch(expression))
        {
            return new TemplateReference(offset, length, expression, [],
                $"'{expression}' is not a dotted path; expressions are paths like params.NAME, run.id, tasks.ID.output.field or secrets.NAME, nothing else");
        }

        var path = expression.Split('.');
        var error = path[0] switch
        {
            "params" when path.Length < 2 => "name the parameter: params.NAME",
            "run" when path.Length != 2 || !RunFields.Contains(path[1]) =>
                $"unknown run field '{string.Join('.', path.Skip(1))}'; allowed: run.id, run.workflowId, run.scheduledAt",
            "tasks" when path.Length < 3 || path[2] != "output" => "refer to a task's output as tasks.ID.output or tasks.ID.output.PATH",
            "secrets" when path.Length != 2 => "name the secret: secrets.NAME",
            "index" when path.Length != 1 => "'index' is a number; it has no fields",
            "params" or "run" or "tasks" or "secrets" or "item" or "index" => null,
            _ => Suggestions.Closest(path[0], Roots) is { } root
                ? $"unknown template root '{path[0]}'; did you mean '{root}'?"
                : $"unknown template root '{path[0]}'; allowed: params, run, tasks, secrets, item, index",
        };
        return new TemplateReference(offset, length, expression, path, error);
    }

    private static JsonNode? Walk(TemplateReference reference, JsonNode? start, int from)
    {
        var current = start;
        var path = reference.Path;
        for (var i = from; i < path.Count; i++)
        {
            var segment = path[i];
            var walked = string.Join('.', path.Take(i));
            current = current switch
            {
                JsonObject obj when obj.TryGetPropertyValue(segment, out var next) => next,
                JsonArray array when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < array.Count => array[index],
                JsonArray array => throw Fail(reference, $"'{walked}' is a list of {array.Count} items; '{segment}' is not an index in it"),
                JsonObject => throw Fail(reference, $"'{walked}' has no field '{segment}'"),
                null => throw Fail(reference, $"'{walked}' is null; it has no '{segment}'"),
                _ => throw Fail(reference, $"'{walked}' is a {current.GetValueKind().ToString().ToLowerInvariant()}; it has no '{segment}'"),
            };
        }

        return current;
    }

    private static string ToText(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(Compact),
    };

    private static TemplateException Fail(TemplateReference reference, string reason) =>
        new($"cannot render '${{{{ {reference.Expression} }}}}': {reason}", reference.Expression);

    [GeneratedRegex(@"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex PathPattern();
}
