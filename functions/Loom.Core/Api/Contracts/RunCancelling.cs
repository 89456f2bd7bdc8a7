using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>POST /api/runs/{runId}/cancel</c>: the cancel is on its way.</summary>
public sealed record RunCancelling(
    [property: Description("Run id.")] string RunId,
    [property: Description("Always \"cancelling\".")] string Status);
