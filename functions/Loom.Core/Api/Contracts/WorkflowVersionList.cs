using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>GET /api/workflows/{id}/versions</c>.</summary>
public sealed record WorkflowVersionList(
    [property: Description("Workflow id.")] string Id,
    [property: Description("Versions, oldest first.")] IReadOnlyList<WorkflowVersionSummary> Items);
