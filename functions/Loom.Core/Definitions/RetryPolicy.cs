using System.Text.Json.Nodes;

namespace Loom.Core.Definitions;

/// <summary>How a task is retried; a value mapped field by field from YAML.</summary>
public sealed record RetryPolicy
{
    /// <summary>The policy used when a workflow says nothing: 3 attempts, exponential from 1 s up to 1 min, 20 % jitter.</summary>
    public static RetryPolicy Default { get; } = new();

    /// <summary>Total attempts including the first (1 means no retry).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Curve of the delay between attempts.</summary>
    public BackoffKind Backoff { get; init; } = BackoffKind.Exponential;

    /// <summary>Base delay.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap on any delay, Retry-After included.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Fraction (0..1) of the delay randomised, deterministically from run, task and attempt.</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>Which failures are retried.</summary>
    public RetryOn RetryOn { get; init; } = RetryOn.Default;
}
