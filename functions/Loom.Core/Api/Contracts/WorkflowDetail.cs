using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>GET /api/workflows/{id}</c>.</summary>
public sealed record WorkflowDetail(
    [property: Description("Workflow id.")] string Id,
    [property: Description("Display name.")] string Name,
    [property: Description("Description, when given.")] string? Description,
    [property: Description("Current version.")] int Version,
    [property: Description("True when paused.")] bool Paused,
    [property: Description("Last change of the head.")] DateTimeOffset UpdatedAt,
    [property: Description("Tags.")] IReadOnlyList<string> Tags,
    [property: Description("Number of tasks.")] int TaskCount,
    [property: Description("The schedule, null when none.")] ScheduleView? Schedule,
    [property: Description("Next occurrences.")] IReadOnlyList<DateTimeOffset> NextFireTimes,
    [property: Description("The first of them.")] DateTimeOffset? NextFireTime,
    [property: Description("The current version's source as registered.")] string? Source,
    [property: Description("The parsed definition.")] DefinitionView Definition,
    [property: Description("A backfill under way; absent when none."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BackfillProgress? Backfill,
    [property: Description("Queue and webhook triggers; absent when the workflow has none."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TriggersView? Triggers = null);
