namespace Loom.Core.Stores;

/// <summary>One operator or admin action on a workflow or one of its runs.</summary>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="At">When.</param>
/// <param name="Action">register, delete, pause, resume, trigger, backfill, cancel-backfill, cancel, retry, redrive, ack.</param>
/// <param name="By">The name of the API key that acted (never the key).</param>
/// <param name="RunId">The run concerned, when one is.</param>
/// <param name="Detail">What changed, in a few words.</param>
public sealed record WorkflowAuditRecord(string WorkflowId, DateTimeOffset At, string Action, string By, string? RunId = null, string? Detail = null);
