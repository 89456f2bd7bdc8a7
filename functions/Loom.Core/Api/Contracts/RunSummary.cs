using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>A run as listed.</summary>
public sealed record RunSummary(
    [property: Description("Run id.")] string RunId,
    [property: Description("Workflow id.")] string WorkflowId,
    [property: Description("Workflow version it runs.")] int Version,
    [property: Description("Run status."), JsonConverter(typeof(WireEnumConverter<RunStatus>))] RunStatus Status,
    [property: Description("What started it: schedule, manual, backfill, retry.")] string Trigger,
    [property: Description("When it was created.")] DateTimeOffset CreatedAt,
    [property: Description("The occurrence it stands for, if scheduled.")] DateTimeOffset? ScheduledAt,
    [property: Description("When it finished.")] DateTimeOffset? FinishedAt);
