using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

/// <summary>Body of <c>POST /api/runs/{runId}/redrive</c>; an empty body redrives every task that did not succeed.</summary>
public sealed record RedriveRequest(
    [property: Description("Tasks to run again (with everything downstream of them); absent or empty for every task that did not succeed."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Tasks = null);
