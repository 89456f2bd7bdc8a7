using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>Body of <c>POST /api/workflows/{id}/backfill</c>.</summary>
public sealed record BackfillRequest(
    [property: Description("First instant of the range (ISO-8601).")] string From,
    [property: Description("Last instant of the range (ISO-8601).")] string To,
    [property: Description("At most this many runs at once (1-1000); all at once when absent."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MaxConcurrent = null,
    [property: Description("Parameter values for every run."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonObject? Params = null);
