using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>GET /api/runs/{runId}/events</c>.</summary>
public sealed record RunEventList(
    [property: Description("Run id.")] string RunId,
    [property: Description("The log in sequence order.")] IReadOnlyList<RunEventView> Items);
