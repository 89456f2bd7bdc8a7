using Loom.Core.Engine;

namespace Loom.Core.Statistics;

/// <summary>What the statistics keep of one finished run: its final status, duration, retries and the durations of its tasks.</summary>
/// <param name="RunId">The run.</param>
/// <param name="WorkflowId">Its workflow.</param>
/// <param name="Status">Its final status.</param>
/// <param name="FinishedAt">When it ended: the hour bucket it is counted in.</param>
/// <param name="DurationMs">From its start (or creation) to its end, in milliseconds.</param>
/// <param name="Retries">Attempts after the first, summed over its tasks.</param>
/// <param name="Tasks">Its tasks that ran to an end (succeeded or failed), with their figures.</param>
/// <param name="Redrives">How many times the run was redriven: each end of a redriven run counts once (see <see cref="DedupeKey"/>).</param>
public sealed record RunSample(string RunId, string WorkflowId, RunStatus Status, DateTimeOffset FinishedAt, double DurationMs, int Retries,
    IReadOnlyList<TaskSample> Tasks, int Redrives = 0)
{
    /// <summary>The identity a bucket remembers to count this end of the run once: the run id, and the redrive it ended.</summary>
    public string DedupeKey => Redrives == 0 ? RunId : $"{RunId}#{Redrives}";

    /// <summary>The sample of a final state; null while the run is not final (or has no end time).</summary>
    /// <param name="state">A run state.</param>
    public static RunSample? From(RunState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!RunStatuses.IsFinal(state.Status) || state.FinishedAt is not { } finished) return null;
        // After a redrive, the tasks that ended before it were counted with the run's earlier end.
        var since = state.Redrives > 0 ? state.RedrivenAt : null;
        var start = since ?? state.StartedAt ?? state.CreatedAt;
        var tasks = new List<TaskSample>();
        var retries = 0;
        foreach (var (id, task) in state.Tasks.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (since is { } s && (task.FinishedAt is null || task.FinishedAt < s)) continue;
            var taskRetries = Math.Max(0, task.Attempt - task.AttemptBase - 1);
            retries += taskRetries;
            if (task.Status is TaskRunStatus.Succeeded or TaskRunStatus.Failed && task.StartedAt is { } began && task.FinishedAt is { } ended)
            {
                tasks.Add(new TaskSample(id, task.Status == TaskRunStatus.Failed, taskRetries, Math.Max(0, (ended - began).TotalMilliseconds)));
            }
        }
        return new RunSample(state.RunId, state.WorkflowId, state.Status, finished, Math.Max(0, (finished - start).TotalMilliseconds), retries, tasks, state.Redrives);
    }
}
