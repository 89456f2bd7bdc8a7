namespace Loom.Core.Orchestration;

/// <summary>How the host retries a failing activity (Durable's <c>RetryPolicy</c>): the delays are durable timers.</summary>
/// <param name="MaxAttempts">Attempts including the first.</param>
/// <param name="FirstDelay">Delay before the second attempt.</param>
/// <param name="BackoffCoefficient">Factor applied to the delay at each further attempt.</param>
/// <param name="MaxDelay">Cap on any delay.</param>
public sealed record ActivityRetry(int MaxAttempts, TimeSpan FirstDelay, double BackoffCoefficient, TimeSpan MaxDelay);
