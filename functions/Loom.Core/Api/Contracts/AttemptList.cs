using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>GET /api/runs/{runId}/tasks/{taskId}/attempts</c>.</summary>
public sealed record AttemptList(
    [property: Description("Run id.")] string RunId,
    [property: Description("Task id.")] string TaskId,
    [property: Description("Attempts in order.")] IReadOnlyList<AttemptView> Items);
