namespace Loom.Core.Circuits;

/// <summary>The circuits of target origins, one row per origin, written with optimistic concurrency.</summary>
public interface ICircuitStore
{
    /// <summary>The origin's circuit, or null when none was ever stored (closed).</summary>
    Task<CircuitRecord?> GetAsync(string origin, CancellationToken cancellationToken = default);

    /// <summary>Writes the circuit if its ETag matches (null ETag: only if absent); the stored circuit with its new ETag, or null when another writer got there first.</summary>
    Task<CircuitRecord?> TrySaveAsync(CircuitRecord circuit, CancellationToken cancellationToken = default);

    /// <summary>Every stored circuit, at most <paramref name="limit"/>, ordered by origin.</summary>
    Task<IReadOnlyList<CircuitRecord>> ListAsync(int limit, CancellationToken cancellationToken = default);
}
