using System.ComponentModel;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>One instance of a forEach task: its status from the run, its attempt, times and reason from its attempts once it is final.</summary>
public sealed record ForEachInstanceView(
    [property: Description("Instance id, `task[index]`, as in events and attempts.")] string Id,
    [property: Description("The item's 0-based index.")] int Index,
    [property: Description("Instance status."), JsonConverter(typeof(WireEnumConverter<TaskRunStatus>))] TaskRunStatus Status,
    [property: Description("Current or last attempt (0 before the first).")] int Attempt,
    [property: Description("First start.")] DateTimeOffset? StartedAt,
    [property: Description("End of its last attempt, once final.")] DateTimeOffset? FinishedAt,
    [property: Description("When its retry is due, while it waits to retry.")] DateTimeOffset? DueAt,
    [property: Description("Why it failed or waits, when it did.")] string? Reason,
    [property: Description("Last HTTP status from the backend.")] int? StatusCode);
