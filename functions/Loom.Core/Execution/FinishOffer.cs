using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Execution;

/// <summary>
/// What the orchestration hands the attempt that may end its run (every other task is done) so that the attempt's activity
/// stores the run's final state itself when its outcome ends the run, instead of a <c>SaveRun</c> activity after it (one
/// Durable hop fewer per run). The activity applies its outcome to <see cref="State"/> with Core's state machine and writes
/// the result only over the row <see cref="ETag"/> names, so any write in between (the orchestration's own save of a cancel
/// or timeout) wins and the activity stores nothing. The workflow is not carried: the activity reads the run's version from
/// the workflow catalog (versions never change, and the process has usually parsed it already), which keeps the offer, a
/// row of the orchestration's history, under the size at which Durable moves it to a blob for a run of 20 tasks.
/// </summary>
/// <param name="State">The run's state when the attempt was sent.</param>
/// <param name="Events">Event-log rows not stored yet (those before the attempt's outcome).</param>
/// <param name="Attempts">Attempt rows not stored yet.</param>
/// <param name="ETag">ETag of the run's row as the orchestration's last write left it.</param>
/// <param name="Trigger">What started the run, as stored.</param>
/// <param name="NotAfter">
/// The earliest timer the orchestration waits on (run timeout, sla): an outcome at or after it is left to the orchestration,
/// which applies the timer first. Null when none.
/// </param>
public sealed record FinishOffer(
    RunState State,
    IReadOnlyList<RunEventRecord> Events,
    IReadOnlyList<AttemptRecord> Attempts,
    string ETag,
    string Trigger,
    DateTimeOffset? NotAfter);
