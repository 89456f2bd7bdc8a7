namespace Loom.Core.Definitions;

/// <summary>
/// A task's circuit breaker (<c>circuitBreaker:</c>), a value mapped field by field from YAML: after <see cref="Failures"/>
/// failures (5xx, timeouts, connection errors) of calls to one origin within <see cref="Window"/>, calls to that origin are held
/// for <see cref="OpenFor"/>, then one probe decides whether they flow again.
/// </summary>
public sealed record CircuitBreakerPolicy
{
    /// <summary>Fewest failures allowed in a policy.</summary>
    public const int MinFailures = 1;

    /// <summary>Most failures a policy may wait for (and so the most failure times a circuit keeps).</summary>
    public const int MaxFailures = 100;

    /// <summary>Shortest window and open time.</summary>
    public static readonly TimeSpan MinDuration = TimeSpan.FromSeconds(1);

    /// <summary>Longest window and open time.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);

    /// <summary>The values of fields a workflow leaves out: 5 failures within 1 minute open the circuit for 30 seconds.</summary>
    public static CircuitBreakerPolicy Default { get; } = new();

    /// <summary>Failures within <see cref="Window"/> that open the circuit.</summary>
    public int Failures { get; init; } = 5;

    /// <summary>How far back failures count.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long an open circuit holds calls before it lets one probe through.</summary>
    public TimeSpan OpenFor { get; init; } = TimeSpan.FromSeconds(30);
}
