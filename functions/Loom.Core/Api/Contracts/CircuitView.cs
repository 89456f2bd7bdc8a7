using System.ComponentModel;
using System.Text.Json.Serialization;
using Loom.Core.Circuits;

namespace Loom.Core.Api.Contracts;

/// <summary>One target origin's circuit breaker, as stored (shared by every run and process on the storage account).</summary>
public sealed record CircuitView(
    [property: Description("The target's origin, `scheme://host:port`.")] string Origin,
    [property: Description("`closed` (calls flow), `open` (calls held until `retryAt`) or `half_open` (one probe call in flight)."),
        JsonConverter(typeof(WireEnumConverter<CircuitStatus>))] CircuitStatus State,
    [property: Description("Failures (5xx, timeouts, connection errors) within the window of the task that last reported here.")] int FailuresInWindow,
    [property: Description("When the circuit last opened; null while closed.")] DateTimeOffset? OpenedAt,
    [property: Description("When held calls are tried again: an open circuit's half-open time, a half-open circuit's probe deadline; null while closed.")] DateTimeOffset? RetryAt);
