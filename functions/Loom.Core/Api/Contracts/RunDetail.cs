using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>GET /api/runs/{runId}</c>: the run and every task, in the workflow's order.</summary>
public sealed record RunDetail(
    [property: Description("Run id.")] string RunId,
    [property: Description("Workflow id.")] string WorkflowId,
    [property: Description("Workflow version.")] int Version,
    [property: Description("Run status."), JsonConverter(typeof(WireEnumConverter<RunStatus>))] RunStatus Status,
    [property: Description("What started it.")] string Trigger,
    [property: Description("When it was created.")] DateTimeOffset CreatedAt,
    [property: Description("The occurrence, if scheduled.")] DateTimeOffset? ScheduledAt,
    [property: Description("When it finished.")] DateTimeOffset? FinishedAt,
    [property: Description("When it started.")] DateTimeOffset? StartedAt,
    [property: Description("From start to finish (or to now's last change while running).")] double? DurationMs,
    [property: Description("Why it ended as it did.")] string? Reason,
    [property: Description("The run this one retries.")] string? RetryOf,
    [property: Description("Parameter values given.")] JsonObject Params,
    [property: Description("Tasks per status.")] IReadOnlyDictionary<string, int> TaskCounts,
    [property: Description("Every task's state.")] IReadOnlyList<TaskStateView> Tasks,
    [property: Description("The run's W3C trace id (every span of the run, and a backend's spans under its calls, are in this trace); null for runs started before Loom traced runs.")] string? TraceId);
