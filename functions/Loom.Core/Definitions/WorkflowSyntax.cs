using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Loom.Core.Definitions;

/// <summary>What the reader took from the source before cross-checks and defaults: every value is optional and keeps its node for error positions.</summary>
internal sealed class WorkflowSyntax
{
    public required YamlMappingNode Node { get; init; }

    public string? Id { get; set; }

    public string? Name { get; set; }

    public string? Description { get; set; }

    public List<string> Tags { get; } = [];

    public ScheduleSpec? Schedule { get; set; }

    public DefaultsSyntax Defaults { get; set; } = new();

    public Dictionary<string, JsonNode?> Params { get; } = new(StringComparer.Ordinal);

    public List<TaskSyntax> Tasks { get; } = [];

    public bool? FailFast { get; set; }

    public TimeSpan? Timeout { get; set; }

    public string? SigningSecret { get; set; }

    public NotifySpec? Notify { get; set; }

    public TimeSpan? Sla { get; set; }
    public int? RetentionDays { get; set; }
    public EventTriggers Triggers { get; set; } = EventTriggers.None;
}
