using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

/// <summary>A dead letter: a task that failed for good, or a run that failed without one (timed out, or storage kept refusing its change).</summary>
public sealed record DeadLetterView(
    [property: Description("Its id (ids sort newest first).")] string Id,
    [property: Description("`task` or `run`.")] string Kind,
    [property: Description("Workflow id.")] string WorkflowId,
    [property: Description("Run id.")] string RunId,
    [property: Description("The task (null for a run's dead letter).")] string? TaskId,
    [property: Description("The task's last attempt (null for a run's dead letter).")] int? Attempt,
    [property: Description("Why it failed.")] string Reason,
    [property: Description("When it failed.")] DateTimeOffset FailedAt,
    [property: Description("When it was acknowledged; null while open.")] DateTimeOffset? AcknowledgedAt,
    [property: Description("The name of the API key that acknowledged it (or redrove its run).")] string? AcknowledgedBy);
