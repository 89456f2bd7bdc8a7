using Loom.Core.Circuits;

namespace Loom.Core.Tests.Circuits;

/// <summary>An <see cref="ICircuitStore"/> in memory with the table's ETag rule, counting reads, to test the cache and the claims.</summary>
internal sealed class InMemoryCircuitStore : ICircuitStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CircuitRecord> _rows = new(StringComparer.Ordinal);
    private int _etag;

    public int Reads { get; private set; }

    public Task<CircuitRecord?> GetAsync(string origin, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Reads++;
            return Task.FromResult(_rows.GetValueOrDefault(origin));
        }
    }

    public Task<CircuitRecord?> TrySaveAsync(CircuitRecord circuit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var stored = _rows.GetValueOrDefault(circuit.Origin);
            if (stored?.ETag != circuit.ETag) return Task.FromResult<CircuitRecord?>(null);
            var saved = circuit with { ETag = $"e{++_etag}" };
            _rows[circuit.Origin] = saved;
            return Task.FromResult<CircuitRecord?>(saved);
        }
    }

    public Task<IReadOnlyList<CircuitRecord>> ListAsync(int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CircuitRecord>>([.. _rows.Values.OrderBy(r => r.Origin, StringComparer.Ordinal).Take(limit)]);
        }
    }
}
