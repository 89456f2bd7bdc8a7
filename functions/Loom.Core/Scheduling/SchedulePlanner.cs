using Loom.Core.Definitions;

namespace Loom.Core.Scheduling;

/// <summary>
/// The scheduler's rules, as pure functions of the schedule, the last evaluation and the current time:
/// which occurrences are due, and whether a due occurrence may start beside the runs still active.
/// </summary>
public static class SchedulePlanner
{
    /// <summary>Hard bound on the occurrences one evaluation returns, whatever the policy; <see cref="ScheduleSpec.MaxCatchup"/> is clamped to it.</summary>
    public const int MaxPerEvaluation = 1000;

    /// <summary>
    /// The occurrences to start now: those in (<paramref name="lastEvaluated"/>, <paramref name="now"/>] within
    /// [<see cref="ScheduleSpec.Start"/>, <see cref="ScheduleSpec.End"/>], filtered by the catch-up policy; UTC, ascending.
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item><description><see cref="CatchupPolicy.None"/>: only occurrences at most <paramref name="grace"/> old
    /// (the tick's own lateness); older ones were missed and are dropped.</description></item>
    /// <item><description><see cref="CatchupPolicy.Latest"/>: only the newest occurrence of the window.</description></item>
    /// <item><description><see cref="CatchupPolicy.All"/>: every occurrence, keeping the newest
    /// <see cref="ScheduleSpec.MaxCatchup"/> (at least 1, at most <see cref="MaxPerEvaluation"/>).</description></item>
    /// </list>
    /// The work is bounded by the number returned, not by the window: a workflow paused for a year under a
    /// per-second cron costs a few thousand cron evaluations, not thirty million (see <see cref="CronSchedule.GetLatest"/>).
    /// The caller stores <paramref name="now"/> as the next <paramref name="lastEvaluated"/>.
    /// </remarks>
    public static IReadOnlyList<DateTimeOffset> DueOccurrences(ScheduleSpec spec, CronSchedule cron, DateTimeOffset lastEvaluated, DateTimeOffset now, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(cron);

        var afterExclusive = lastEvaluated;
        if (spec.Start is { } start && start.UtcTicks - 1 > afterExclusive.UtcTicks)
        {
            afterExclusive = start.AddTicks(-1);
        }

        var upToInclusive = now;
        if (spec.End is { } end && end < upToInclusive)
        {
            upToInclusive = end;
        }

        if (spec.Catchup == CatchupPolicy.None)
        {
            var tolerance = grace < TimeSpan.Zero ? TimeSpan.Zero : grace;
            var oldestAllowed = now.UtcTicks - tolerance.Ticks;
            if (oldestAllowed - 1 > afterExclusive.UtcTicks)
            {
                afterExclusive = new DateTimeOffset(oldestAllowed - 1, TimeSpan.Zero);
            }
        }

        if (upToInclusive <= afterExclusive)
        {
            return [];
        }

        var limit = spec.Catchup switch
        {
            CatchupPolicy.Latest => 1,
            CatchupPolicy.All => Math.Clamp(spec.MaxCatchup, 1, MaxPerEvaluation),
            _ => MaxPerEvaluation,
        };
        return cron.GetLatest(afterExclusive, upToInclusive, limit);
    }

    /// <summary>
    /// Whether one due occurrence starts, given the runs of the workflow still active. When a tick has several
    /// due occurrences, call it for each in order, counting the runs started (or replaced) so far.
    /// </summary>
    /// <remarks>
    /// <see cref="ConcurrencyPolicy.Allow"/> starts unless <see cref="ScheduleSpec.MaxActiveRuns"/> is reached (then skips);
    /// <see cref="ConcurrencyPolicy.Forbid"/> skips while any run is active;
    /// <see cref="ConcurrencyPolicy.Replace"/> cancels the active runs and starts (so it never exceeds one active run).
    /// A skipped occurrence is not queued: like a Kubernetes CronJob, the next occurrence tries again.
    /// </remarks>
    public static ScheduleDecision DecideConcurrency(ScheduleSpec spec, int activeRuns)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegative(activeRuns);

        if (activeRuns == 0)
        {
            return ScheduleDecision.Start;
        }

        return spec.Concurrency switch
        {
            ConcurrencyPolicy.Forbid => ScheduleDecision.Skip(
                $"{Runs(activeRuns)} still active and concurrency is 'forbid'."),
            ConcurrencyPolicy.Replace => ScheduleDecision.ReplaceActive,
            _ when spec.MaxActiveRuns is { } max && activeRuns >= max => ScheduleDecision.Skip(
                $"{Runs(activeRuns)} active, which reaches maxActiveRuns ({max})."),
            _ => ScheduleDecision.Start,
        };
    }

    private static string Runs(int count) => count == 1 ? "1 run is" : $"{count} runs are";
}

/// <summary>What to do with a due occurrence.</summary>
public enum ScheduleAction
{
    /// <summary>Start a run for it.</summary>
    Start,

    /// <summary>Do not start it; <see cref="ScheduleDecision.Reason"/> says why.</summary>
    Skip,

    /// <summary>Cancel the workflow's active runs, then start it.</summary>
    ReplaceActive,
}

/// <summary>The concurrency decision for one due occurrence.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Reason">Why, when the occurrence is skipped; null otherwise.</param>
public sealed record ScheduleDecision(ScheduleAction Action, string? Reason = null)
{
    /// <summary>Start the run.</summary>
    public static ScheduleDecision Start { get; } = new(ScheduleAction.Start);

    /// <summary>Cancel the active runs, then start.</summary>
    public static ScheduleDecision ReplaceActive { get; } = new(ScheduleAction.ReplaceActive);

    /// <summary>Skip the occurrence for the given reason.</summary>
    public static ScheduleDecision Skip(string reason) => new(ScheduleAction.Skip, reason);
}
