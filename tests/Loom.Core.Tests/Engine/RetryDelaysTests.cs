using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;

namespace Loom.Core.Tests.Engine;

public sealed class RetryDelaysTests
{
    private static RetryPolicy Policy(BackoffKind kind, double delaySeconds = 2, double maxSeconds = 3600, double jitter = 0) =>
        new() { Backoff = kind, Delay = TimeSpan.FromSeconds(delaySeconds), MaxDelay = TimeSpan.FromSeconds(maxSeconds), Jitter = jitter, MaxAttempts = 10 };

    [Theory]
    [InlineData(BackoffKind.Fixed, 1, 2)]
    [InlineData(BackoffKind.Fixed, 4, 2)]
    [InlineData(BackoffKind.Linear, 1, 2)]
    [InlineData(BackoffKind.Linear, 3, 6)]
    [InlineData(BackoffKind.Exponential, 1, 2)]
    [InlineData(BackoffKind.Exponential, 2, 4)]
    [InlineData(BackoffKind.Exponential, 5, 32)]
    public void Compute_WithoutJitter_FollowsCurve(BackoffKind kind, int attempt, double expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), RetryDelays.Compute(Policy(kind), "r", "t", attempt, null));

    [Fact]
    public void Compute_ExponentialBeyondCap_ReturnsMaxDelay() =>
        Assert.Equal(TimeSpan.FromSeconds(10), RetryDelays.Compute(Policy(BackoffKind.Exponential, 2, 10), "r", "t", 4, null));

    [Theory]
    [InlineData(100)]
    [InlineData(int.MaxValue)]
    public void Compute_HugeAttempt_DoesNotOverflow(int attempt) =>
        Assert.Equal(TimeSpan.FromMinutes(1), RetryDelays.Compute(Policy(BackoffKind.Exponential, 1, 60, 0.5), "r", "t", attempt, null));

    [Fact]
    public void Compute_WithJitter_IsDeterministicAndWithinBounds()
    {
        var policy = Policy(BackoffKind.Fixed, 10, 3600, 0.2);
        var seen = new HashSet<TimeSpan>();
        for (var attempt = 1; attempt <= 50; attempt++)
        {
            var first = RetryDelays.Compute(policy, "run-1", "fetch", attempt, null);
            var again = RetryDelays.Compute(policy, "run-1", "fetch", attempt, null);
            Assert.Equal(first, again);
            Assert.InRange(first, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(12));
            seen.Add(first);
        }

        // A hash, not a constant: fifty attempts spread over the band.
        Assert.True(seen.Count > 40, $"only {seen.Count} distinct delays");
    }

    [Fact]
    public void Compute_WithJitter_MatchesFormulaAndPinnedValue()
    {
        var u = RetryDelays.JitterFraction("run-1", "fetch", 2);
        Assert.InRange(u, 0, 1 - double.Epsilon);
        var expected = TimeSpan.FromMilliseconds(Math.Round(4000 * (1 - 0.2 + (0.4 * u)), MidpointRounding.AwayFromZero));
        var actual = RetryDelays.Compute(Policy(BackoffKind.Exponential, 2, 3600, 0.2), "run-1", "fetch", 2, null);
        Assert.Equal(expected, actual);

        // Pinned (computed independently with Python hashlib) so a change of hash, which would change replays, is noticed.
        Assert.Equal(0.2452032215767015, u, 15);
    }

    [Fact]
    public void JitterFraction_DiffersByRunTaskAndAttempt()
    {
        var a = RetryDelays.JitterFraction("run-1", "t", 1);
        Assert.NotEqual(a, RetryDelays.JitterFraction("run-2", "t", 1));
        Assert.NotEqual(a, RetryDelays.JitterFraction("run-1", "u", 1));
        Assert.NotEqual(a, RetryDelays.JitterFraction("run-1", "t", 2));
    }

    [Fact]
    public void Compute_HugeDelayAndMaxDelay_ReturnsMaxDelayWithoutOverflow()
    {
        var policy = new RetryPolicy { Backoff = BackoffKind.Exponential, Delay = TimeSpan.FromDays(10_000), MaxDelay = TimeSpan.MaxValue, Jitter = 0.3 };
        Assert.Equal(TimeSpan.MaxValue, RetryDelays.Compute(policy, "r", "t", 500, null));
    }

    [Fact]
    public void Compute_ZeroDelay_ReturnsZero() =>
        Assert.Equal(TimeSpan.Zero, RetryDelays.Compute(Policy(BackoffKind.Exponential, 0, 60, 0.5), "r", "t", 3, null));

    [Fact]
    public void Compute_RetryAfterLarger_Wins() =>
        Assert.Equal(TimeSpan.FromSeconds(30), RetryDelays.Compute(Policy(BackoffKind.Fixed, 2, 60), "r", "t", 1, TimeSpan.FromSeconds(30)));

    [Fact]
    public void Compute_RetryAfterSmaller_Ignored() =>
        Assert.Equal(TimeSpan.FromSeconds(2), RetryDelays.Compute(Policy(BackoffKind.Fixed, 2, 60), "r", "t", 1, TimeSpan.FromSeconds(1)));

    [Fact]
    public void Compute_RetryAfterBeyondMaxDelay_CappedByMaxDelay() =>
        Assert.Equal(TimeSpan.FromSeconds(60), RetryDelays.Compute(Policy(BackoffKind.Fixed, 2, 60), "r", "t", 1, TimeSpan.FromHours(2)));

    [Theory]
    [InlineData(FailureClass.ServerError, null, 1, true)]
    [InlineData(FailureClass.ServerError, null, 3, false)]
    [InlineData(FailureClass.TooManyRequests, null, 1, true)]
    [InlineData(FailureClass.RequestTimeout, null, 1, true)]
    [InlineData(FailureClass.Timeout, null, 1, true)]
    [InlineData(FailureClass.Network, null, 1, true)]
    [InlineData(FailureClass.ClientError, null, 1, false)]
    [InlineData(FailureClass.Reported, null, 1, false)]
    [InlineData(FailureClass.ClientError, true, 1, true)]
    [InlineData(FailureClass.Reported, true, 2, true)]
    [InlineData(FailureClass.ServerError, false, 1, false)]
    [InlineData(FailureClass.Refused, true, 1, false)]
    [InlineData(FailureClass.Invalid, true, 1, false)]
    [InlineData(FailureClass.ServerError, true, 3, false)]
    public void ShouldRetry_DefaultRetryOn_FollowsClassAndBackendWord(FailureClass failure, bool? retryable, int attempt, bool expected)
    {
        var outcome = AttemptOutcome.Fail(failure, "x") with { Retryable = retryable };
        Assert.Equal(expected, RetryDelays.ShouldRetry(new RetryPolicy { MaxAttempts = 3 }, outcome, attempt));
    }

    [Fact]
    public void ShouldRetry_RetryOnOverride_RetriesClientErrorButNotServerError()
    {
        var policy = new RetryPolicy { MaxAttempts = 3, RetryOn = RetryOn.ClientError };
        Assert.True(RetryDelays.ShouldRetry(policy, AttemptOutcome.Fail(FailureClass.ClientError, "404", 404), 1));
        Assert.False(RetryDelays.ShouldRetry(policy, AttemptOutcome.Fail(FailureClass.ServerError, "500", 500), 1));
    }
}
