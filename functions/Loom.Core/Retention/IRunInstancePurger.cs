namespace Loom.Core.Retention;

/// <summary>A host's own record of a run outside Loom's tables (the Function App: its Durable instance), deleted with the run.</summary>
public interface IRunInstancePurger
{
    /// <summary>
    /// Deletes what the host keeps for the run (every generation of it); true when nothing is left, false when it cannot be
    /// deleted yet (its instance is still completing), so the run is kept for a later sweep.
    /// </summary>
    Task<bool> TryPurgeAsync(string runId, CancellationToken cancellationToken = default);
}
