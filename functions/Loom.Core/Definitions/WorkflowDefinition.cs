using System.Text.Json.Nodes;

namespace Loom.Core.Definitions;

/// <summary>A validated workflow: a DAG of HTTP tasks with its schedule and policies, defaults already merged into each task.</summary>
public sealed record WorkflowDefinition
{
    /// <summary>Stable identifier of the workflow (letters, digits, '-', '_', '.').</summary>
    public required string Id { get; init; }

    /// <summary>Human-readable name; the id when not given.</summary>
    public string? Name { get; init; }

    /// <summary>Free text shown in listings.</summary>
    public string? Description { get; init; }

    /// <summary>Labels for filtering.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>When the workflow runs by itself; null for on-demand only.</summary>
    public ScheduleSpec? Schedule { get; init; }

    /// <summary>Declared parameters and their default values (null when a parameter has no default).</summary>
    public IReadOnlyDictionary<string, JsonNode?> Params { get; init; } = new Dictionary<string, JsonNode?>();

    /// <summary>The tasks in declaration order, with workflow defaults merged in.</summary>
    public required IReadOnlyList<TaskDefinition> Tasks { get; init; }

    /// <summary>When a task fails for good, cancel everything still pending or running and fail the run.</summary>
    public bool FailFast { get; init; }

    /// <summary>Limit on the whole run's duration; null for none.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Name of a host secret used to sign request bodies (X-Loom-Signature); never the secret itself.</summary>
    public string? SigningSecret { get; init; }

    /// <summary>Where the run's notifications go (<c>notify:</c>, with the host's defaults for lists it leaves out); null when none are sent.</summary>
    public NotifySpec? Notify { get; init; }

    /// <summary>How long a run may go on before it counts as late (<c>sla:</c>): a <c>SlaMissed</c> event and the onSlaMiss notification, once; null for none.</summary>
    public TimeSpan? Sla { get; init; }

    /// <summary>The most days a run can be kept, in a workflow's <c>retentionDays:</c> and the host's <c>RetentionDays</c> (100 years).</summary>
    public const int MaxRetentionDays = 36500;

    /// <summary>Days a finished run of this workflow is kept (0 keeps it forever); null for the host's <c>RetentionDays</c>.</summary>
    public int? RetentionDays { get; init; }

    /// <summary>Queue and webhook triggers; <see cref="EventTriggers.None"/> when the workflow has none.</summary>
    public EventTriggers Triggers { get; init; } = EventTriggers.None;
}
