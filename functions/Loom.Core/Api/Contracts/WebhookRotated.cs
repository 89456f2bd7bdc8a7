using System.ComponentModel;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>POST /api/workflows/{id}/webhook/rotate</c>: the new URL; the old one no longer starts runs.</summary>
public sealed record WebhookRotated(
    [property: Description("Workflow id.")] string WorkflowId,
    [property: Description("The new webhook URL.")] string Url);
