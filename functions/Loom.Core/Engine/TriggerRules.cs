using Loom.Core.Definitions;

namespace Loom.Core.Engine;

/// <summary>Airflow-like trigger rules evaluated on the direct upstream tasks' statuses.</summary>
/// <remarks>
/// An upstream task counts as "failed" when it is <see cref="TaskRunStatus.Failed"/> (with or without
/// allowFailure: allowFailure only keeps the run from failing) or <see cref="TaskRunStatus.Cancelled"/>.
/// Skipped is neither succeeded nor failed. A task without upstream tasks always runs. A rule is decided
/// as soon as the statuses seen so far settle it, so skips are final and propagate downstream.
/// </remarks>
public static class TriggerRules
{
    /// <summary>The YAML spelling of a rule, e.g. <c>all_success</c>.</summary>
    public static string Name(TriggerRule rule) => rule switch
    {
        TriggerRule.AllSuccess => "all_success",
        TriggerRule.AllDone => "all_done",
        TriggerRule.AllFailed => "all_failed",
        TriggerRule.OneSuccess => "one_success",
        TriggerRule.OneFailed => "one_failed",
        TriggerRule.NoneFailed => "none_failed",
        _ => rule.ToString(),
    };

    /// <summary>True for succeeded, failed, skipped and cancelled.</summary>
    public static bool IsFinal(TaskRunStatus status) =>
        status is TaskRunStatus.Succeeded or TaskRunStatus.Failed or TaskRunStatus.Skipped or TaskRunStatus.Cancelled;

    /// <summary>True when an upstream task in this status counts as failed for trigger rules.</summary>
    public static bool CountsAsFailed(TaskRunStatus status) => status is TaskRunStatus.Failed or TaskRunStatus.Cancelled;

    /// <summary>Evaluates <paramref name="rule"/> on the direct upstream tasks' statuses (in dependsOn order).</summary>
    public static TriggerDecision Evaluate(TriggerRule rule, IReadOnlyList<UpstreamStatus> upstream)
    {
        if (upstream.Count == 0)
        {
            return new(TriggerVerdict.Run, null);
        }

        var allFinal = true;
        UpstreamStatus? firstSucceeded = null, firstFailed = null, firstNotSucceeded = null, firstNotFailed = null;
        foreach (var u in upstream)
        {
            if (!IsFinal(u.Status))
            {
                allFinal = false;
                continue;
            }

            if (u.Status == TaskRunStatus.Succeeded)
            {
                firstSucceeded ??= u;
            }
            else
            {
                firstNotSucceeded ??= u;
            }

            if (CountsAsFailed(u.Status))
            {
                firstFailed ??= u;
            }
            else
            {
                firstNotFailed ??= u;
            }
        }

        var name = Name(rule);
        return rule switch
        {
            TriggerRule.AllSuccess when firstNotSucceeded is { } u => Skip(name, $"upstream {Describe(u)}"),
            TriggerRule.AllSuccess => allFinal ? Run : Wait,
            TriggerRule.AllDone => allFinal ? Run : Wait,
            TriggerRule.AllFailed when firstNotFailed is { } u => Skip(name, $"upstream {Describe(u)}"),
            TriggerRule.AllFailed => allFinal ? Run : Wait,
            TriggerRule.OneSuccess when firstSucceeded is not null => Run,
            TriggerRule.OneSuccess => allFinal ? Skip(name, $"no upstream succeeded ({DescribeAll(upstream)})") : Wait,
            TriggerRule.OneFailed when firstFailed is not null => Run,
            TriggerRule.OneFailed => allFinal ? Skip(name, $"no upstream failed ({DescribeAll(upstream)})") : Wait,
            TriggerRule.NoneFailed when firstFailed is { } u => Skip(name, $"upstream {Describe(u)}"),
            TriggerRule.NoneFailed => allFinal ? Run : Wait,
            _ => Wait,
        };
    }

    private static TriggerDecision Run => new(TriggerVerdict.Run, null);

    private static TriggerDecision Wait => new(TriggerVerdict.Wait, null);

    private static TriggerDecision Skip(string rule, string why) => new(TriggerVerdict.Skip, $"trigger {rule}: {why}");

    private static string Describe(UpstreamStatus u) => $"{u.TaskId} {StatusWord(u.Status)}";

    private static string DescribeAll(IReadOnlyList<UpstreamStatus> upstream) => string.Join(", ", upstream.Select(Describe));

    private static string StatusWord(TaskRunStatus status) => status switch
    {
        TaskRunStatus.Succeeded => "succeeded",
        TaskRunStatus.Failed => "failed",
        TaskRunStatus.Skipped => "was skipped",
        TaskRunStatus.Cancelled => "was cancelled",
        _ => "is " + status.ToString().ToLowerInvariant(),
    };
}
