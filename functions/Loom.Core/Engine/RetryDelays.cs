using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Loom.Core.Definitions;

namespace Loom.Core.Engine;

/// <summary>Backoff arithmetic and the retry decision: pure functions of the policy, the outcome and the run/task/attempt.</summary>
public static class RetryDelays
{
    /// <summary>
    /// The delay after attempt <paramref name="attempt"/> (1-based) failed: the backoff curve, then the jitter factor
    /// (1 - jitter + 2 * jitter * u, u a hash of run, task and attempt), then Retry-After if larger, all capped by MaxDelay.
    /// Rounded to whole milliseconds.
    /// </summary>
    public static TimeSpan Compute(RetryPolicy policy, string runId, string taskId, int attempt, TimeSpan? retryAfter)
    {
        var maxMs = Math.Max(0, policy.MaxDelay.TotalMilliseconds);
        var baseMs = Math.Max(0, policy.Delay.TotalMilliseconds);
        var n = Math.Max(1, attempt);

        // Doubles: exponential growth at attempt 100 is 2^99, far beyond TimeSpan but finite here; the cap brings it back.
        var curveMs = policy.Backoff switch
        {
            BackoffKind.Linear => baseMs * n,
            BackoffKind.Exponential => baseMs * Math.ScaleB(1.0, Math.Min(n - 1, 1000)),
            _ => baseMs,
        };

        var jitter = double.IsFinite(policy.Jitter) ? Math.Clamp(policy.Jitter, 0, 1) : 0;
        var ms = curveMs * (1 - jitter + (2 * jitter * JitterFraction(runId, taskId, n)));
        if (retryAfter is { } ra && ra.TotalMilliseconds > ms)
        {
            ms = ra.TotalMilliseconds;
        }

        if (double.IsNaN(ms) || ms <= 0)
        {
            return TimeSpan.Zero;
        }

        // Returning the cap itself keeps it exact and keeps huge values away from TimeSpan's range.
        return ms >= maxMs
            ? (policy.MaxDelay > TimeSpan.Zero ? policy.MaxDelay : TimeSpan.Zero)
            : TimeSpan.FromMilliseconds(Math.Round(ms, MidpointRounding.AwayFromZero));
    }

    /// <summary>A number in [0, 1) derived from SHA-256 of "runId/taskId/attempt": the same inputs always give the same value.</summary>
    public static double JitterFraction(string runId, string taskId, int attempt)
    {
        // SHA-256 rather than FNV-1a: FNV barely changes its top bits when only the last character differs (attempt 1 vs 2).
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{runId}/{taskId}/{attempt.ToString(CultureInfo.InvariantCulture)}"), hash);

        // The top 53 bits fill a double's mantissa exactly.
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>
    /// Whether a failed attempt is retried: never at MaxAttempts, never for Refused or Invalid, never when the backend said
    /// retryable=false; always (within MaxAttempts) when it said retryable=true; otherwise when the failure class is in RetryOn.
    /// </summary>
    public static bool ShouldRetry(RetryPolicy policy, AttemptOutcome outcome, int attempt)
    {
        if (attempt >= policy.MaxAttempts || outcome.Failure is FailureClass.Refused or FailureClass.Invalid)
        {
            return false;
        }

        return outcome.Retryable ?? (ToRetryOn(outcome.Failure) is var on && on != RetryOn.None && policy.RetryOn.HasFlag(on));
    }

    /// <summary>The retryOn flag a failure class falls under; None for classes only the backend's word can retry.</summary>
    public static RetryOn ToRetryOn(FailureClass failure) => failure switch
    {
        FailureClass.ServerError => RetryOn.ServerError,
        FailureClass.TooManyRequests => RetryOn.TooManyRequests,
        FailureClass.RequestTimeout => RetryOn.RequestTimeout,
        FailureClass.ClientError => RetryOn.ClientError,
        FailureClass.Timeout => RetryOn.Timeout,
        FailureClass.Network => RetryOn.Network,
        _ => RetryOn.None,
    };
}
