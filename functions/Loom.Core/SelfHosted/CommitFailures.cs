using Loom.Core.Stores;

namespace Loom.Core.SelfHosted;

/// <summary>
/// What the self-hosted driver does when a run's commit fails: how long it pauses, and when it stops retrying and fails the
/// run instead (a run must end; the events exist only in the process, so dropping them would leave the run waiting forever).
/// </summary>
public static class CommitFailures
{
    /// <summary>Failed commits of one batch in a row after which the run is failed instead of retried (about four minutes of pauses).</summary>
    public const int MaxFailures = 10;

    /// <summary>Write conflicts in a row (another process committed first) after which the conflict counts as a failure.</summary>
    public const int MaxConflicts = 20;

    /// <summary>The pause after the <paramref name="failures"/>-th failure in a row (0-based): 1 s doubling to 1 min.</summary>
    /// <param name="failures">Failures before this one.</param>
    public static TimeSpan RetryDelay(int failures) => TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(failures, 6))));

    /// <summary>True when the run should be failed rather than its commit retried.</summary>
    /// <param name="failures">Failures in a row, this one included.</param>
    /// <param name="cannotEverCommit">The failure would repeat on every retry (storage refused the write as too large or malformed).</param>
    public static bool ShouldAbort(int failures, bool cannotEverCommit) => cannotEverCommit || failures >= MaxFailures;

    /// <summary>The reason recorded on a run failed because its change could not be stored.</summary>
    /// <param name="error">The last failure's message.</param>
    public static string AbortReason(string error) =>
        $"Loom could not store this run's next state ({Shorten(error)}); the run is failed rather than retried forever";

    /// <summary>The rows of attempts an aborted batch held: they happened, so they are kept, without their outputs (which may be what storage refused).</summary>
    /// <param name="attempts">The batch's attempt rows.</param>
    public static IReadOnlyList<AttemptRecord> AbortedAttempts(IEnumerable<AttemptRecord> attempts) =>
        [.. attempts.Select(a => a with { Output = null, OutputTruncated = false })];

    private static string Shorten(string text) => text.Length <= 300 ? text : string.Concat(text.AsSpan(0, 297), "...");
}
