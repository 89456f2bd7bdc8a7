using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

/// <summary>One entry of a workflow's audit log.</summary>
public sealed record WorkflowAuditEntry(
    [property: Description("When.")] DateTimeOffset At,
    [property: Description("register, delete, pause, resume, trigger, backfill, cancel-backfill, cancel, retry, redrive or ack.")] string Action,
    [property: Description("The name of the API key that acted (never the key).")] string By,
    [property: Description("The run concerned, when one is.")] string? RunId,
    [property: Description("What changed.")] string? Detail);
