using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>Body a backend posts to a callback URL; an empty body means SUCCESS.</summary>
public sealed record CallbackRequest(
    [property: Description("SUCCESS, FAILED or RUNNING."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Status = null,
    [property: Description("The task's output, for downstream tasks."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? Output = null,
    [property: Description("A note for the run's log."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null,
    [property: Description("For FAILED: whether a retry may help."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Retryable = null);
