using Loom.Core.Api.Contracts;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Api;

/// <summary>The API's views of forEach tasks: their instances counted under the task, and a page of the instances one by one.</summary>
public static class ForEachViews
{
    /// <summary>Largest page of instances a caller may ask for.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>The page size when the caller names none.</summary>
    public const int DefaultPageSize = 100;

    /// <summary>A forEach task's instances counted by status; null for a task without forEach or whose list is not resolved yet.</summary>
    /// <param name="task">The task's state in the run.</param>
    /// <param name="definition">Its definition, when known (for maxParallel).</param>
    public static ForEachSummaryView? Summary(TaskState task, TaskDefinition? definition)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.ForEach is { } fan
            ? new ForEachSummaryView(fan.Count, definition is null ? null : Math.Max(1, definition.MaxParallel), ForEachRuns.Counts(fan))
            : null;
    }

    /// <summary>
    /// The indexes on the page whose details come from their attempt rows: the final ones (the run state keeps only a status
    /// character for them). Instances in flight are described by the state, pending ones have no attempts.
    /// </summary>
    public static IReadOnlyList<int> FinalOnPage(ForEachState? fan, int offset, int limit)
    {
        var indexes = new List<int>();
        if (fan is null) return indexes;
        var end = End(fan, offset, limit);
        for (var i = offset; i < end; i++)
        {
            if (FinalStatus(fan.Statuses[i]) is not null) indexes.Add(i);
        }
        return indexes;
    }

    /// <summary>
    /// A page of a forEach task's instances in item order. Every instance's status comes from the run state; an instance in flight
    /// is described by its state, a final one by its attempt rows in <paramref name="attempts"/> (by index; missing means none).
    /// </summary>
    /// <param name="runId">The run.</param>
    /// <param name="taskId">The forEach task.</param>
    /// <param name="fan">Its instances; null while its list is not resolved (an empty page).</param>
    /// <param name="offset">Index of the first instance on the page.</param>
    /// <param name="limit">Most instances on the page.</param>
    /// <param name="attempts">Attempt rows of the page's final instances (<see cref="FinalOnPage"/>), by index.</param>
    public static ForEachInstanceList Page(string runId, string taskId, ForEachState? fan, int offset, int limit, IReadOnlyDictionary<int, IReadOnlyList<AttemptRecord>> attempts)
    {
        ArgumentNullException.ThrowIfNull(attempts);
        if (fan is null) return new ForEachInstanceList(runId, taskId, 0, offset, []);
        var end = End(fan, offset, limit);
        var items = new List<ForEachInstanceView>(Math.Max(0, end - offset));
        for (var i = offset; i < end; i++)
        {
            items.Add(Instance(taskId, fan, i, attempts.TryGetValue(i, out var rows) ? rows : []));
        }
        return new ForEachInstanceList(runId, taskId, fan.Count, offset, items);
    }

    /// <summary>Attempt rows of forEach instances (ids <c>T[i]</c>) by instance index, for <see cref="Page"/>; other rows are left out.</summary>
    public static IReadOnlyDictionary<int, IReadOnlyList<AttemptRecord>> ByIndex(IEnumerable<AttemptRecord> rows)
    {
        var byIndex = new Dictionary<int, List<AttemptRecord>>();
        foreach (var row in rows)
        {
            if (!ForEachInstances.TryParse(row.TaskId, out _, out var index)) continue;
            if (!byIndex.TryGetValue(index, out var list)) byIndex[index] = list = [];
            list.Add(row);
        }
        return byIndex.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<AttemptRecord>)kv.Value);
    }

    private static ForEachInstanceView Instance(string taskId, ForEachState fan, int index, IReadOnlyList<AttemptRecord> rows)
    {
        var id = ForEachInstances.Id(taskId, index);
        if (FinalStatus(fan.Statuses[index]) is { } final) return Final(id, index, final, rows);
        return fan.Statuses[index] == ForEachState.Active && fan.Running.FirstOrDefault(r => r.Index == index)?.State is { } s
            ? new ForEachInstanceView(id, index, s.Status, s.Attempt, s.StartedAt, null, s.DueAt, s.Reason, s.LastStatusCode)
            : new ForEachInstanceView(id, index, TaskRunStatus.Pending, 0, null, null, null, null, null);
    }

    /// <summary>The final status an instance's status character stands for; null for pending and active instances.</summary>
    private static TaskRunStatus? FinalStatus(char status) => status switch
    {
        ForEachState.Succeeded => TaskRunStatus.Succeeded,
        ForEachState.Failed => TaskRunStatus.Failed,
        ForEachState.Cancelled => TaskRunStatus.Cancelled,
        _ => null,
    };

    private static ForEachInstanceView Final(string id, int index, TaskRunStatus status, IReadOnlyList<AttemptRecord> rows)
    {
        if (rows.Count == 0)
        {
            // A cancelled instance that never started (or rows not written yet): only its status is known.
            return new ForEachInstanceView(id, index, status, 0, null, null, null, null, null);
        }

        var first = rows.MinBy(a => a.Attempt)!;
        var last = rows.MaxBy(a => a.Attempt)!;
        var reason = status == TaskRunStatus.Succeeded ? null : last.Error;
        return new ForEachInstanceView(id, index, status, last.Attempt, first.StartedAt, last.StartedAt + last.Duration, null, reason, last.StatusCode);
    }

    private static int End(ForEachState fan, int offset, int limit) => (int)Math.Min(fan.Count, (long)offset + Math.Max(0, limit));
}
