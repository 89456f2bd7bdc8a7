using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>POST /api/runs/{runId}/redrive</c>.</summary>
public sealed record RunRedriving(
    [property: Description("The run, resumed under the same id.")] string RunId,
    [property: Description("The tasks that run again, in declaration order.")] IReadOnlyList<string> Tasks,
    [property: Description("The name of the API key that asked.")] string RequestedBy,
    [property: Description("Dead letters of the run this redrive acknowledged.")] int AcknowledgedDeadLetters);
