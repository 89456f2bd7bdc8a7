using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Stores;

namespace Loom.Core.Orchestration;

/// <summary>Input of the <c>SaveRun</c> activity: the latest snapshot and the log entries and attempt rows produced since the previous save.</summary>
/// <param name="State">The run state to store (replaces an older one; a snapshot with a lower <see cref="RunState.EventCount"/> never overwrites a newer one).</param>
/// <param name="Events">Event-log rows to append; ids are deterministic, so a re-delivered save stores each once.</param>
/// <param name="Attempts">Attempt rows the <c>InvokeTask</c> activities returned since the previous save (one row per run, task and attempt, so writing one twice replaces it).</param>
/// <param name="Stored">The row as the previous write left it: the save replaces it without reading it first; null to read it.</param>
public sealed record SaveRunInput(RunState State, IReadOnlyList<RunEventRecord> Events, IReadOnlyList<AttemptRecord>? Attempts = null, StoredRun? Stored = null)
{
    /// <summary>
    /// Set while an attempt that may store the run's final state itself could have done so (see <see cref="Execution.FinishOffer"/>):
    /// the event count of the state stored before it. A final state stored past it that is not this save's is the run's end,
    /// and this save yields to it (<see cref="SaveRunResult.Overtaken"/>) rather than replace it; null for no such attempt.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public long? BasedOn { get; init; }
}
