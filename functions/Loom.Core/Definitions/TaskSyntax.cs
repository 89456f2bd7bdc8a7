using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Loom.Core.Definitions;

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

    public CircuitBreakerSyntax? CircuitBreaker { get; set; }
    public TimeSpan? Sla { get; set; }

    /// <summary>The <c>forEach</c> template as written, and where.</summary>
    public YamlScalarNode? ForEachNode { get; set; }

    public string? ForEach { get; set; }

    public int? MaxParallel { get; set; }

    public YamlNode? MaxParallelNode { get; set; }
}
