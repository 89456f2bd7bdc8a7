namespace Loom.Core.Definitions;

/// <summary>The events that start a workflow's runs besides its schedule and the API: messages on storage queues, and a webhook.</summary>
public sealed record EventTriggers
{
    /// <summary>No event triggers.</summary>
    public static EventTriggers None { get; } = new();

    /// <summary>Names of the storage queues whose messages each start a run (the message's JSON object as the run's params).</summary>
    public IReadOnlyList<string> Queues { get; init; } = [];

    /// <summary>The webhook trigger; null when the workflow has none.</summary>
    public WebhookTrigger? Webhook { get; init; }
}
