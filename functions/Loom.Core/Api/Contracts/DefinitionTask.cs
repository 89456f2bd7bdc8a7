using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

/// <summary>A task of a parsed definition (for the graph).</summary>
public sealed record DefinitionTask(
    [property: Description("Task id.")] string Id,
    [property: Description("Task type: `http` or `wait`.")] string Type,
    [property: Description("HTTP method; null for a wait task.")] string? Method,
    [property: Description("URL, templates unexpanded; null for a wait task.")] string? Url,
    [property: Description("Its `when:` condition; null when it has none.")] string? When,
    [property: Description("How long a wait task waits; null otherwise.")] double? DurationMs,
    [property: Description("Template of the instant a wait task waits until; null otherwise.")] string? Until,
    [property: Description("Upstream task ids.")] IReadOnlyList<string> DependsOn,
    [property: Description("Trigger rule."), JsonConverter(typeof(WireEnumConverter<TriggerRule>))] TriggerRule Trigger,
    [property: Description("sync or callback."), JsonConverter(typeof(WireEnumConverter<CompletionMode>))] CompletionMode Completion,
    [property: Description("Per-attempt timeout.")] double TimeoutMs,
    [property: Description("Most attempts.")] int MaxAttempts,
    [property: Description("Backoff kind."), JsonConverter(typeof(WireEnumConverter<BackoffKind>))] BackoffKind Backoff,
    [property: Description("True when its failure does not fail the run.")] bool AllowFailure,
    [property: Description("Its `forEach:` list template (one instance per item at run time); null when it does not fan out.")] string? ForEach,
    [property: Description("Most of its instances in flight at once; null when it does not fan out.")] int? MaxParallel);
