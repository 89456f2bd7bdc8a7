namespace Loom.Core.Stores;

/// <summary>History of HTTP attempts.</summary>
public interface IAttemptStore
{
    /// <summary>Records an attempt; recording the same run/task/attempt again replaces it.</summary>
    Task PutAsync(AttemptRecord attempt, CancellationToken cancellationToken = default);

    /// <summary>Attempts of one task, in attempt order; all tasks when <paramref name="taskId"/> is null.</summary>
    Task<IReadOnlyList<AttemptRecord>> ListAsync(string runId, string? taskId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Attempts of several tasks of one run (a page of forEach instances), in no particular order: a few requests for the lot
    /// rather than one per task. Tasks without attempts contribute nothing.
    /// </summary>
    Task<IReadOnlyList<AttemptRecord>> ListTasksAsync(string runId, IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken = default);
}
