namespace Loom.Core.Circuits;

/// <summary>The stored state of one target origin's circuit, shared by every run and every process on one storage account.</summary>
public sealed record CircuitRecord
{
    /// <summary>The target's origin (<c>scheme://host:port</c>), the circuit's key.</summary>
    public required string Origin { get; init; }

    /// <summary>Closed, open or half-open.</summary>
    public CircuitStatus Status { get; init; } = CircuitStatus.Closed;

    /// <summary>Times of the newest failures (oldest first), at most <see cref="Definitions.CircuitBreakerPolicy.MaxFailures"/>.</summary>
    public IReadOnlyList<DateTimeOffset> Failures { get; init; } = [];

    /// <summary>The window of the policy that last reported here, so a reader can count the failures within it.</summary>
    public TimeSpan Window { get; init; }

    /// <summary>When the circuit last opened; null while it has not since it last closed.</summary>
    public DateTimeOffset? OpenedAt { get; init; }

    /// <summary>When an open circuit may let a probe through.</summary>
    public DateTimeOffset? RetryAt { get; init; }

    /// <summary>Until when a half-open circuit's probe holds its claim; after it, a lost probe (its process died) is replaced.</summary>
    public DateTimeOffset? ProbeUntil { get; init; }

    /// <summary>How many times the row was written: of two copies of one circuit, the higher is the newer.</summary>
    public long Version { get; init; }

    /// <summary>Concurrency token of the stored row; null when never stored.</summary>
    public string? ETag { get; init; }

    /// <summary>The closed circuit of an origin nothing was stored for.</summary>
    public static CircuitRecord ClosedFor(string origin) => new() { Origin = origin };

    /// <summary>How many of <see cref="Failures"/> are within <see cref="Window"/> of <paramref name="now"/>.</summary>
    public int FailuresWithin(DateTimeOffset now) => Failures.Count(f => f > now - Window);
}
