using System.ComponentModel;

namespace Loom.Core.Api.Contracts;

/// <summary>A workflow's event triggers as the API shows them.</summary>
public sealed record TriggersView(
    [property: Description("Storage queues whose messages each start a run; unusable messages go to NAME-poison with the reason.")] IReadOnlyList<string> Queues,
    [property: Description("The webhook trigger; null when none.")] WebhookView? Webhook);
