using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of a trigger or a retry: the new run; its status URL is in <c>Location</c>.</summary>
public sealed record RunAccepted(
    [property: Description("The new run's id.")] string RunId,
    [property: Description("The run it retries; absent for a trigger."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RetryOf = null);
