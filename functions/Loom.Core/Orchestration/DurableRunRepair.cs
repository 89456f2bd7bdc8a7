using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Orchestration;

/// <summary>
/// When a stored run without an orchestration is a crash between the driver's two writes (the run's row, then its
/// orchestration) and its orchestration must be started now.
/// </summary>
public static class DurableRunRepair
{
    /// <summary>
    /// How old a run record without an orchestration must be before it counts as a crash between the two writes. A start
    /// under way (another tick of the same occurrence, a second scheduler instance) writes both within milliseconds, and
    /// starting its orchestration a second time would run the same instance id twice.
    /// </summary>
    public static readonly TimeSpan After = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The state to start the orchestration from, or null when there is nothing to repair: no row, a row that does not read,
    /// a final run (nothing left to drive), or a row younger than <see cref="After"/> (most likely a start in progress
    /// elsewhere; a later start of the same run repairs a real crash). Call it only for a run whose orchestration does not exist.
    /// </summary>
    /// <param name="stored">The run's stored row.</param>
    /// <param name="now">The current time.</param>
    public static RunState? StateToRestart(RunRecord? stored, DateTimeOffset now)
    {
        if (stored is null || !RunStateJson.TryDeserialize(stored.State, out var state, out _) || RunStatuses.IsFinal(state.Status)) return null;
        return now - stored.CreatedAt < After ? null : state;
    }
}
