using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>A task's state within a run.</summary>
public sealed record TaskStateView(
    [property: Description("Task id.")] string Id,
    [property: Description("Task status."), JsonConverter(typeof(WireEnumConverter<TaskRunStatus>))] TaskRunStatus Status,
    [property: Description("Current or last attempt (0 before the first).")] int Attempt,
    [property: Description("Most attempts, when the definition is known.")] int? MaxAttempts,
    [property: Description("Upstream ids, when the definition is known.")] IReadOnlyList<string>? DependsOn,
    [property: Description("Its stage in the plan, when the definition is known.")] int? Stage,
    [property: Description("First start.")] DateTimeOffset? StartedAt,
    [property: Description("Finish.")] DateTimeOffset? FinishedAt,
    [property: Description("When a retry or timer is due.")] DateTimeOffset? DueAt,
    [property: Description("Why it ended as it did.")] string? Reason,
    [property: Description("Last HTTP status from the backend.")] int? StatusCode,
    [property: Description("Its output (size-capped).")] JsonNode? Output,
    [property: Description("True when the output was cut.")] bool OutputTruncated,
    [property: Description("Task type (`http` or `wait`), when the definition is known.")] string? Type,
    [property: Description("Its `when:` condition; null when it has none or the definition is unknown.")] string? When,
    [property: Description("A forEach task's instances counted by status; null for other tasks and before its list is resolved.")] ForEachSummaryView? Instances);
