using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Loom.Core.Definitions;

/// <summary>The <c>triggers:</c> list of a workflow: queue and webhook entries.</summary>
internal sealed partial class WorkflowReader
{
    /// <summary>Most entries of a workflow's <c>triggers</c> list.</summary>
    public const int MaxTriggers = 16;

    private static readonly string[] QueueTriggerFields = ["queue"];
    private static readonly string[] WebhookTriggerFields = ["webhook", "signingSecret"];
    private static readonly string[] TriggerFields = ["queue", "webhook", "signingSecret"];

    private EventTriggers ReadTriggers(YamlNode node)
    {
        const string path = "triggers";
        if (YamlValues.IsNull(node))
        {
            return EventTriggers.None;
        }

        if (node is not YamlSequenceNode list)
        {
            WrongType(node, "triggers", "a list of triggers such as '- queue: orders' or '- webhook: true'", path);
            return EventTriggers.None;
        }

        if (TooLong(list, "triggers", MaxTriggers, path))
        {
            return EventTriggers.None;
        }

        var queues = new List<string>();
        var queueNodes = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        WebhookTrigger? webhook = null;
        YamlNode? webhookNode = null;
        for (var i = 0; i < list.Children.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (list.Children[i] is not YamlMappingNode entry)
            {
                WrongType(list.Children[i], "triggers", "a list of mappings such as '- queue: orders' or '- webhook: true'", itemPath);
                continue;
            }

            var keys = entry.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value).ToHashSet(StringComparer.Ordinal);
            var isQueue = keys.Contains("queue");
            var isWebhook = keys.Contains("webhook");
            if (isQueue == isWebhook)
            {
                // Unknown fields are reported (with a suggestion) first; an entry with none says what a trigger needs.
                var known = Fields(entry, TriggerFields, "a trigger", itemPath).Count();
                if (isQueue || known == entry.Children.Count)
                {
                    Error(entry, isQueue
                        ? "a trigger is either 'queue' or 'webhook', not both: list them as two entries"
                        : "a trigger needs 'queue: NAME' or 'webhook: true'", itemPath);
                }

                continue;
            }

            if (isQueue)
            {
                foreach (var (name, value) in Fields(entry, QueueTriggerFields, "a queue trigger", itemPath))
                {
                    if (YamlValues.IsNull(value))
                    {
                        Error(value, "'queue' must name a storage queue", $"{itemPath}.{name}");
                    }
                    else if (Text(value, name, $"{itemPath}.{name}") is not { } queue)
                    {
                        // Reported by Text: not a scalar.
                    }
                    else if (TriggerQueueNames.Check(queue) is { } problem)
                    {
                        Error(value, problem, $"{itemPath}.{name}");
                    }
                    else if (queueNodes.TryGetValue(queue, out var first))
                    {
                        Error(value, $"queue '{queue}' is listed twice (first at line {first.Start.Line})", $"{itemPath}.{name}");
                    }
                    else
                    {
                        queueNodes[queue] = value;
                        queues.Add(queue);
                    }
                }

                continue;
            }

            bool? enabled = null;
            string? secret = null;
            foreach (var (name, value) in Fields(entry, WebhookTriggerFields, "a webhook trigger", itemPath))
            {
                switch (name)
                {
                    case "webhook":
                        enabled = Bool(value, name, $"{itemPath}.{name}");
                        break;
                    case "signingSecret":
                        secret = WebhookSecret(value, $"{itemPath}.{name}");
                        break;
                }
            }

            if (enabled != true)
            {
                continue;
            }

            if (webhookNode is not null)
            {
                Error(entry, $"a workflow has one webhook (first at line {webhookNode.Start.Line}); a second adds nothing", itemPath);
                continue;
            }

            webhookNode = entry;
            webhook = new WebhookTrigger(secret);
        }

        return new EventTriggers { Queues = queues, Webhook = webhook };
    }

    /// <summary>A webhook's signing secret: a secret name, or the same name written as <c>${{ secrets.NAME }}</c>; the name is kept, never a value.</summary>
    private string? WebhookSecret(YamlNode node, string path)
    {
        var text = Text(node, "signingSecret", path)?.Trim();
        if (text is null)
        {
            return null;
        }

        var name = SecretReferencePattern().Match(text) is { Success: true } reference ? reference.Groups[1].Value : text;
        if (!SecretNamePattern().IsMatch(name))
        {
            Error(node, $"invalid signingSecret '{YamlValues.Shorten(text)}': name a host secret (letters, digits, '_' and '-', starting with a letter or '_'), as 'GITHUB_HOOK' or '${{{{ secrets.GITHUB_HOOK }}}}'; the secret's value lives in the host's settings (Loom__Secrets__NAME), never in the workflow", path);
            return null;
        }

        return name;
    }

    [GeneratedRegex(@"^\$\{\{\s*secrets\.([^\s}]*)\s*\}\}$", RegexOptions.CultureInvariant)]
    private static partial Regex SecretReferencePattern();
}
