using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>GET /api/workflows/{id}/audit</c>: a page of the workflow's audit log, newest first.</summary>
public sealed record WorkflowAuditList(
    [property: Description("Workflow id.")] string WorkflowId,
    [property: Description("The page.")] IReadOnlyList<WorkflowAuditEntry> Items,
    [property: Description("Pass as `continuation` for the next page; null on the last.")] string? Continuation);
