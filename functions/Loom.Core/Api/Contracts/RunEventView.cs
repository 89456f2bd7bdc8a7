using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>One entry of a run's event log, as listed and as streamed.</summary>
public sealed record RunEventView(
    [property: Description("Position in the log (the stream's event id).")] long Sequence,
    [property: Description("When it was written.")] DateTimeOffset Timestamp,
    [property: Description("Event type.")] string Type,
    [property: Description("The task it concerns, if any.")] string? TaskId,
    [property: Description("Its details (JSON, or text).")] JsonNode? Data);
