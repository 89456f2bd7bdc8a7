using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Loom.Core.Engine;

/// <summary>The classified result of one task attempt (an HTTP call or a callback).</summary>
public sealed record AttemptOutcome
{
    /// <summary>Succeeded, failed or accepted.</summary>
    public required OutcomeKind Kind { get; init; }

    /// <summary>Failure class; None on success.</summary>
    public FailureClass Failure { get; init; }

    /// <summary>The backend's own word on retrying (the response's <c>retryable</c>); null when it said nothing.</summary>
    public bool? Retryable { get; init; }

    /// <summary>HTTP status code, when a response came.</summary>
    public int? StatusCode { get; init; }

    /// <summary>The task's output (the response's <c>output</c>, or its JSON body).</summary>
    public JsonNode? Output { get; init; }

    /// <summary>True when the output or body was larger than the cap and was cut.</summary>
    public bool OutputTruncated { get; init; }

    /// <summary>Human-readable reason or message.</summary>
    public string? Message { get; init; }

    /// <summary>The Retry-After the backend asked for.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Time from sending to outcome.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Shortest hold: a held attempt never comes back sooner, so a circuit cannot make a run spin.</summary>
    public static readonly TimeSpan MinHold = TimeSpan.FromMilliseconds(250);

    /// <summary>When a held attempt (<see cref="OutcomeKind.Held"/>) is tried again.</summary>
    public DateTimeOffset? HeldUntil { get; init; }

    /// <summary>What this attempt did to its target's circuit (opened or closed it), for the run's event log.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public CircuitChange Circuit { get; init; }

    /// <summary>The origin of the circuit <see cref="Circuit"/> or a hold is about.</summary>
    public string? CircuitOrigin { get; init; }

    /// <summary>A success with an optional output.</summary>
    public static AttemptOutcome Success(JsonNode? output = null) => new() { Kind = OutcomeKind.Succeeded, Output = output };

    /// <summary>A failure of the given class.</summary>
    public static AttemptOutcome Fail(FailureClass failure, string message, int? statusCode = null) =>
        new() { Kind = OutcomeKind.Failed, Failure = failure, Message = message, StatusCode = statusCode };

    /// <summary>An attempt held, not sent, because the circuit of <paramref name="origin"/> is open.</summary>
    public static AttemptOutcome Held(string origin, DateTimeOffset until, string message) =>
        new() { Kind = OutcomeKind.Held, HeldUntil = until, CircuitOrigin = origin, Message = message };
}
