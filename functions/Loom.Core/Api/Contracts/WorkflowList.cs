using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>GET /api/workflows</c>.</summary>
public sealed record WorkflowList(
    [property: Description("Every workflow that is not deleted.")] IReadOnlyList<WorkflowSummary> Items);
