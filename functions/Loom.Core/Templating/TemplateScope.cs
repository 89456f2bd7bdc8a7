using System.Text.Json.Nodes;

namespace Loom.Core.Templating;

/// <summary>Supplies secret values by name; the host reads them from its configuration. Values are never stored or logged.</summary>
public interface ISecretProvider
{
    /// <summary>The secret's value, or null when it is not configured.</summary>
    string? GetSecret(string name);
}

/// <summary>What a template may refer to while a task attempt is built.</summary>
public sealed record TemplateScope
{
    /// <summary>Run parameters (defaults merged with the run's overrides).</summary>
    public required JsonObject Params { get; init; }

    /// <summary>Run id.</summary>
    public required string RunId { get; init; }

    /// <summary>Workflow id.</summary>
    public required string WorkflowId { get; init; }

    /// <summary>The occurrence the run is for (or its trigger time).</summary>
    public required DateTimeOffset ScheduledAt { get; init; }

    /// <summary>Outputs of finished upstream tasks by task id.</summary>
    public IReadOnlyDictionary<string, JsonNode?> Outputs { get; init; } = new Dictionary<string, JsonNode?>();

    /// <summary>Where <c>secrets.NAME</c> comes from; null when no secrets are configured.</summary>
    public ISecretProvider? Secrets { get; init; }

    /// <summary>The item of a <c>forEach</c> instance (<c>item</c>, <c>item.PATH</c>); meaningful only when <see cref="Index"/> is set.</summary>
    public JsonNode? Item { get; init; }

    /// <summary>The 0-based index of a <c>forEach</c> instance's item (<c>index</c>); null outside a forEach instance.</summary>
    public int? Index { get; init; }
}
