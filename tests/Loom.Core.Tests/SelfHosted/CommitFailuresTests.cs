using Loom.Core.SelfHosted;
using Loom.Core.Stores;

namespace Loom.Core.Tests.SelfHosted;

public sealed class CommitFailuresTests
{
    [Fact]
    public void RetryDelay_DoublesFromOneSecondToAMinute()
    {
        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60], Enumerable.Range(0, 8).Select(f => CommitFailures.RetryDelay(f).TotalSeconds));
    }

    [Fact]
    public void ShouldAbort_AfterMaxFailuresOrAtOnceWhenItCanNeverCommit()
    {
        Assert.False(CommitFailures.ShouldAbort(CommitFailures.MaxFailures - 1, cannotEverCommit: false));
        Assert.True(CommitFailures.ShouldAbort(CommitFailures.MaxFailures, cannotEverCommit: false));
        Assert.True(CommitFailures.ShouldAbort(1, cannotEverCommit: true));
    }

    [Fact]
    public void AbortReason_LongError_IsShortened()
    {
        var reason = CommitFailures.AbortReason(new string('x', 1000));

        Assert.StartsWith("Loom could not store this run's next state (", reason, StringComparison.Ordinal);
        Assert.Contains("xxx...)", reason, StringComparison.Ordinal);
        Assert.True(reason.Length < 400);
    }

    [Fact]
    public void AbortedAttempts_KeepTheRowsWithoutOutputs()
    {
        var row = new AttemptRecord
        {
            RunId = "r", TaskId = "a", Attempt = 1, StartedAt = DateTimeOffset.UnixEpoch, Duration = TimeSpan.Zero, Outcome = "succeeded",
            Output = """{"big":"value"}""", OutputTruncated = true,
        };

        var kept = Assert.Single(CommitFailures.AbortedAttempts([row]));

        Assert.Null(kept.Output);
        Assert.False(kept.OutputTruncated);
        Assert.Equal("succeeded", kept.Outcome);
    }
}
