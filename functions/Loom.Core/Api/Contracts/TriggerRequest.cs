using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>Body of <c>POST /api/workflows/{id}/runs</c>.</summary>
public sealed record TriggerRequest(
    [property: Description("Parameter values overriding the workflow's defaults."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonObject? Params = null);
