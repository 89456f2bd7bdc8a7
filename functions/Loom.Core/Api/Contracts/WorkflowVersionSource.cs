using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>GET /api/workflows/{id}/versions/{version}</c>.</summary>
public sealed record WorkflowVersionSource(
    [property: Description("Workflow id.")] string Id,
    [property: Description("Version number.")] int Version,
    [property: Description("Hash of its source.")] string ContentHash,
    [property: Description("When it was registered.")] DateTimeOffset CreatedAt,
    [property: Description("The source as registered.")] string Source);
