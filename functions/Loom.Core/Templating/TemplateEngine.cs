using System.Text.Json.Nodes;

namespace Loom.Core.Templating;

/// <summary>Renders <c>${{ ... }}</c> expressions (dotted paths only: params, run, tasks.X.output, secrets) in strings and JSON.</summary>
public static class TemplateEngine
{
    /// <summary>Renders a string template.</summary>
    public static string Render(string template, TemplateScope scope) =>
        template.Contains("${{", StringComparison.Ordinal) ? throw new NotImplementedException("Templating is being built.") : template;

    /// <summary>Renders every string inside a JSON template; a string that is exactly one expression takes the referenced JSON value.</summary>
    public static JsonNode? RenderJson(JsonNode? template, TemplateScope scope) => template?.DeepClone();
}
