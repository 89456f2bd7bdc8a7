using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>DELETE /api/workflows/{id}</c>.</summary>
public sealed record WorkflowDeleted(
    [property: Description("Workflow id.")] string Id,
    [property: Description("Always true.")] bool Deleted);
