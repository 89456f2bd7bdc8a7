using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>POST /api/workflows/{id}/pause</c> and <c>/resume</c>.</summary>
public sealed record WorkflowPaused(
    [property: Description("Workflow id.")] string Id,
    [property: Description("The new state.")] bool Paused);
