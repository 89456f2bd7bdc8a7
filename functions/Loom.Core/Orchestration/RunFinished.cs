using Loom.Core.Engine;

namespace Loom.Core.Orchestration;

/// <summary>What an <c>InvokeTask</c> activity reports when it stored the run's final state itself (see <see cref="Execution.FinishOffer"/>).</summary>
/// <param name="Stored">The row as the activity's write left it.</param>
/// <param name="At">The time the activity applied the attempt's outcome at: the orchestration applies it at the same time and reaches the same state.</param>
/// <param name="EventCount">The stored state's event count (a check that both sides reached the same state).</param>
/// <param name="Status">The stored state's run status.</param>
public sealed record RunFinished(StoredRun Stored, DateTimeOffset At, long EventCount, RunStatus Status);
