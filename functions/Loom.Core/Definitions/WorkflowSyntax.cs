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
}

/// <summary>The <c>defaults</c> block.</summary>
internal sealed class DefaultsSyntax
{
    public RetrySyntax Retry { get; set; } = new();

    public TimeSpan? Timeout { get; set; }

    public string? Method { get; set; }

    public List<HeaderSyntax> Headers { get; } = [];

    public List<TemplateUse> Templates { get; } = [];
}

/// <summary>One task as written.</summary>
internal sealed class TaskSyntax
{
    public required YamlNode Node { get; init; }

    public required int Index { get; init; }

    public string Path => $"tasks[{Index}]";

    public string? Id { get; set; }

    public YamlNode? IdNode { get; set; }

    public string? Method { get; set; }

    public string? Type { get; set; }

    public YamlNode? TypeNode { get; set; }

    public string? Url { get; set; }

    /// <summary>The <c>when</c> condition as written, and where, for the cross-task checks.</summary>
    public YamlScalarNode? WhenNode { get; set; }

    public string? When { get; set; }

    public Conditions.Condition? Condition { get; set; }

    public TimeSpan? WaitDuration { get; set; }

    public string? WaitUntil { get; set; }

    /// <summary>Fields only an http task takes, as written on this task (a wait task reports them).</summary>
    public List<(string Name, YamlNode Node)> HttpOnly { get; } = [];

    /// <summary>Fields only a wait task takes, as written on this task (an http task reports them).</summary>
    public List<(string Name, YamlNode Node)> WaitOnly { get; } = [];

    public List<HeaderSyntax> Headers { get; } = [];

    public JsonNode? Body { get; set; }

    public List<(string Id, YamlNode Node)> DependsOn { get; } = [];

    public TriggerRule? Trigger { get; set; }

    public RetrySyntax Retry { get; set; } = new();

    public TimeSpan? Timeout { get; set; }

    public bool? AllowFailure { get; set; }

    public CompletionMode? Completion { get; set; }

    public TimeSpan? CallbackTimeout { get; set; }

    public YamlNode? CallbackTimeoutNode { get; set; }

    public List<TemplateUse> Templates { get; } = [];
}

/// <summary>A <c>retry</c> block; null fields were not written.</summary>
internal sealed class RetrySyntax
{
    public int? MaxAttempts { get; set; }

    public BackoffKind? Backoff { get; set; }

    public TimeSpan? Delay { get; set; }

    public YamlNode? DelayNode { get; set; }

    public TimeSpan? MaxDelay { get; set; }

    public YamlNode? MaxDelayNode { get; set; }

    public double? Jitter { get; set; }

    public RetryOn? RetryOn { get; set; }
}

/// <summary>One header as written.</summary>
internal sealed record HeaderSyntax(string Name, string Value);

/// <summary>A string scalar that may hold template expressions, with where it sits.</summary>
internal sealed record TemplateUse(YamlScalarNode Node, string Text, string Path);
