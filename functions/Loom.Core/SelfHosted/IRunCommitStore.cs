using Loom.Core.Stores;

namespace Loom.Core.SelfHosted;

/// <summary>The storage a run's commit loop needs, and nothing more: the conditional commit, a fresh read of the run, attempt rows.</summary>
public interface IRunCommitStore
{
    /// <summary>Writes the run row conditionally on its ETag together with its history rows (one transaction); returns the stored row.</summary>
    /// <exception cref="StoreConcurrencyException">Someone else wrote the run first.</exception>
    Task<RunRecord> CommitAsync(RunCommit commit);

    /// <summary>Reads the run's stored row, or null if there is none.</summary>
    /// <param name="runId">The run.</param>
    Task<RunRecord?> ReadAsync(string runId);

    /// <summary>Stores an attempt row no commit carries.</summary>
    /// <param name="attempt">The row.</param>
    Task PutAttemptAsync(AttemptRecord attempt);

    /// <summary>
    /// Stores the dead letters a commit made, right after it (<see cref="Engine.DeadLetters.From"/>; their ids come from the
    /// commit's rows, so writing one twice stores it once). Best effort: a failure must not undo the commit, which still holds
    /// the failure in the run's event log.
    /// </summary>
    /// <param name="letters">The dead letters.</param>
    Task RecordDeadLettersAsync(IReadOnlyList<DeadLetterRecord> letters) => Task.CompletedTask;

    /// <summary>
    /// Counts a run in its workflow's statistics (<see cref="Statistics.RunStatsRecorder"/>), called before the commit that
    /// makes it final, so a run is never final in storage without its count unless this write fails for a reason other than an
    /// outage (the host logs it). A commit tried again reports the run again: the statistics count it once.
    /// </summary>
    /// <param name="finished">The run's final state.</param>
    Task RecordFinishedAsync(Engine.RunState finished) => Task.CompletedTask;
}
