using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

/// <summary>A workflow as listed by <c>GET /api/workflows</c>.</summary>
public sealed record WorkflowSummary(
    [property: Description("Workflow id.")] string Id,
    [property: Description("Display name (the id when none).")] string Name,
    [property: Description("Description, when given.")] string? Description,
    [property: Description("Current version.")] int Version,
    [property: Description("True when scheduling is paused.")] bool Paused,
    [property: Description("Last change of the head.")] DateTimeOffset UpdatedAt,
    [property: Description("Tags.")] IReadOnlyList<string> Tags,
    [property: Description("Number of tasks.")] int TaskCount,
    [property: Description("The schedule, null when run on demand only.")] ScheduleView? Schedule,
    [property: Description("Next occurrences (none when paused or unscheduled).")] IReadOnlyList<DateTimeOffset> NextFireTimes,
    [property: Description("The first of them.")] DateTimeOffset? NextFireTime,
    [property: Description("The newest run, if any.")] RunSummary? LastRun);
