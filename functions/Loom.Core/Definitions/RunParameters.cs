using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Core.Text;

namespace Loom.Core.Definitions;

/// <summary>The parameters of one run: the workflow's declared defaults overlaid with the values given when the run was triggered.</summary>
/// <param name="Values">Every declared parameter with its value (what <c>TemplateScope.Params</c> takes).</param>
/// <param name="Errors">Overrides naming undeclared parameters and declared parameters left without a value; empty when the run may start.</param>
public sealed record RunParameters(JsonObject Values, IReadOnlyList<string> Errors)
{
    /// <summary>Most characters a run's parameters may take as JSON: they travel in every task call and in the run's state.</summary>
    public const int MaxChars = 64 * 1024;

    /// <summary>True when every parameter has a value and no override is unknown.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>Merges <paramref name="overrides"/> over the defaults declared by <paramref name="definition"/>.</summary>
    public static RunParameters Resolve(WorkflowDefinition definition, JsonObject? overrides)
    {
        var values = new JsonObject();
        var errors = new List<string>();
        foreach (var (name, fallback) in definition.Params)
        {
            values[name] = fallback?.DeepClone();
        }

        foreach (var (name, value) in overrides ?? [])
        {
            if (!definition.Params.ContainsKey(name))
            {
                var suggestion = Suggestions.Closest(name, definition.Params.Keys);
                errors.Add(suggestion is null
                    ? $"unknown parameter '{name}'; workflow '{definition.Id}' declares: {(definition.Params.Count == 0 ? "none" : string.Join(", ", definition.Params.Keys))}"
                    : $"unknown parameter '{name}'; did you mean '{suggestion}'?");
                continue;
            }

            values[name] = value?.DeepClone();
        }

        foreach (var (name, value) in values)
        {
            if (value is null)
            {
                errors.Add($"parameter '{name}' has no default and needs a value");
            }
        }

        // A parameter that is a task's host, port or base URL is checked as a literal URL is, before any call goes out.
        errors.AddRange(HttpTaskUrls.CheckRunParams(definition, values));

        if (values.ToJsonString().Length is var size && size > MaxChars)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"parameters take {size:N0} characters as JSON; a run takes at most {MaxChars:N0} (they go into every task call and the run's state): pass large data by reference"));
        }

        return new RunParameters(values, errors);
    }
}
