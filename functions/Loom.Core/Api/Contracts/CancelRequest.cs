using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>Body of <c>POST /api/runs/{runId}/cancel</c>.</summary>
public sealed record CancelRequest(
    [property: Description("Why, for the run's log."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);
