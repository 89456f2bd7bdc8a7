using System.Text.Json.Nodes;
using Loom.Core.Templating;

namespace Loom.Core.Definitions;

/// <summary>What a valid workflow needs from the host that this host lacks: reported at registration, not refused (another host may have it).</summary>
public static class WorkflowWarnings
{
    /// <summary>One warning per secret the workflow names (its <c>signingSecret</c>, <c>${{ secrets.NAME }}</c>) that <paramref name="secrets"/> does not have.</summary>
    public static IReadOnlyList<string> For(WorkflowDefinition workflow, ISecretProvider? secrets)
    {
        var warnings = new List<string>();
        if (workflow.SigningSecret is { } signing && string.IsNullOrEmpty(secrets?.GetSecret(signing)))
        {
            warnings.Add($"signingSecret '{signing}' is not configured on this host: its tasks will fail rather than be sent unsigned");
        }

        var missing = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var task in workflow.Tasks)
        {
            foreach (var text in Texts(task))
            {
                foreach (var reference in TemplateEngine.FindReferences(text))
                {
                    if (reference is { IsValid: true, Root: "secrets" } && secrets?.GetSecret(reference.Name!) is null)
                    {
                        missing.Add(reference.Name!);
                    }
                }
            }
        }

        warnings.AddRange(missing.Select(name => $"secret '{name}' is not configured on this host: tasks that use it will fail"));
        if (workflow.Triggers.Webhook?.SigningSecret is { } hook && string.IsNullOrEmpty(secrets?.GetSecret(hook)))
        {
            warnings.Add($"the webhook's signingSecret '{hook}' is not configured on this host: every webhook call will be refused (401) until it is");
        }

        return warnings;
    }

    private static IEnumerable<string> Texts(TaskDefinition task) =>
        [task.Url, .. task.Headers.Values, .. Strings(task.Body)];

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => Strings(p.Value)),
        JsonArray a => a.SelectMany(Strings),
        JsonValue v when v.TryGetValue<string>(out var s) => [s],
        _ => [],
    };
}
