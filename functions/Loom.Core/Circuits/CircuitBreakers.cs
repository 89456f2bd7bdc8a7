using System.Collections.Concurrent;
using Loom.Core.Definitions;
using Loom.Core.Engine;

namespace Loom.Core.Circuits;

/// <summary>
/// The circuits of this process, over the shared <see cref="ICircuitStore"/>: <see cref="CircuitRules"/> applied to the stored
/// rows, with a short in-process cache so an attempt to a closed circuit costs no storage request. Every change is a conditional
/// write on the row's ETag (re-read and re-decided on a conflict), so processes sharing a storage account share the circuits;
/// a process acts on a row at most <see cref="CacheFor"/> old, except that its own writes update its cache at once.
/// A circuit the store cannot be asked about lets calls through: a storage outage must not stop every task.
/// </summary>
/// <param name="store">The shared rows.</param>
/// <param name="clock">The clock.</param>
/// <param name="storeFailed">Hears a storage failure (the call then goes ahead as if the circuit were closed).</param>
public sealed class CircuitBreakers(ICircuitStore store, TimeProvider clock, Action<Exception>? storeFailed = null)
{
    /// <summary>Longest time a cached row is trusted: how stale this process's view of another process's change can be.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    /// <summary>Tries of a conditional write before a contended decision gives up (the attempt is then held briefly).</summary>
    private const int MaxTries = 10;

    private readonly ConcurrentDictionary<string, (CircuitRecord? Row, DateTimeOffset ReadAt)> _cache = new(StringComparer.Ordinal);

    /// <summary>Whether an attempt to <paramref name="origin"/> is sent, sent as the probe, or held (and until when).</summary>
    /// <param name="origin">The target's origin (<see cref="CircuitRules.OriginOf"/>).</param>
    /// <param name="policy">The task's circuit breaker.</param>
    /// <param name="callTimeout">The attempt's timeout, which bounds a probe's claim.</param>
    /// <param name="cancellationToken">Cancels the storage requests.</param>
    public async Task<CircuitAdmission> AdmitAsync(string origin, CircuitBreakerPolicy policy, TimeSpan callTimeout, CancellationToken cancellationToken)
    {
        try
        {
            for (var tries = 0; tries < MaxTries; tries++)
            {
                var row = await ReadAsync(origin, fresh: tries > 0, cancellationToken);
                var admission = CircuitRules.Admit(row, origin, policy, callTimeout + CircuitRules.ProbeSlack, clock.GetUtcNow());
                if (admission.Write is null || await SaveAsync(admission.Write, cancellationToken))
                {
                    return admission;
                }
            }

            // Others keep winning the claim: one of them is the probe, so this attempt waits.
            return new CircuitAdmission(CircuitDecision.Hold, clock.GetUtcNow() + policy.OpenFor, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ex is not OutOfMemoryException)
        {
            storeFailed?.Invoke(ex);
            return new CircuitAdmission(CircuitDecision.Send, null, null);
        }
    }

    /// <summary>Records an attempt's outcome against its target's circuit; what it changed (opened or closed it), for the run's log.</summary>
    /// <param name="origin">The target's origin.</param>
    /// <param name="policy">The task's circuit breaker.</param>
    /// <param name="outcome">How the attempt ended.</param>
    /// <param name="probe">True when <see cref="AdmitAsync"/> sent it as the probe.</param>
    /// <param name="cancellationToken">Cancels the storage requests.</param>
    /// <returns>The change, and when calls may flow again when it opened the circuit.</returns>
    public async Task<(CircuitChange Change, DateTimeOffset? RetryAt)> ReportAsync(string origin, CircuitBreakerPolicy policy, AttemptOutcome outcome, bool probe, CancellationToken cancellationToken)
    {
        try
        {
            for (var tries = 0; tries < MaxTries; tries++)
            {
                var row = await ReadAsync(origin, fresh: tries > 0, cancellationToken);
                var report = CircuitRules.Report(row, origin, policy, outcome, probe, clock.GetUtcNow());
                if (report.Write is null) return (report.Change, null);
                if (await SaveAsync(report.Write, cancellationToken)) return (report.Change, report.Write.RetryAt);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ex is not OutOfMemoryException)
        {
            storeFailed?.Invoke(ex);
        }

        return (CircuitChange.None, null);
    }

    /// <summary>Every stored circuit (fresh from the store), at most <paramref name="limit"/>, ordered by origin.</summary>
    public Task<IReadOnlyList<CircuitRecord>> ListAsync(int limit, CancellationToken cancellationToken) => store.ListAsync(limit, cancellationToken);

    private async Task<CircuitRecord?> ReadAsync(string origin, bool fresh, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (!fresh && _cache.TryGetValue(origin, out var cached) && now - cached.ReadAt < CacheFor)
        {
            return cached.Row;
        }

        var row = await store.GetAsync(origin, cancellationToken);
        Remember(origin, row, now);
        return row;
    }

    private async Task<bool> SaveAsync(CircuitRecord row, CancellationToken cancellationToken)
    {
        var saved = await store.TrySaveAsync(row with { Version = row.Version + 1 }, cancellationToken);
        if (saved is null) return false;
        Remember(row.Origin, saved, clock.GetUtcNow());
        return true;
    }

    /// <summary>
    /// Caches a row unless the cache holds a newer one: a read that began before this process's own write may answer after it,
    /// and must not bring back, say, a closed circuit this process has just opened.
    /// </summary>
    private void Remember(string origin, CircuitRecord? row, DateTimeOffset at) =>
        _cache.AddOrUpdate(origin, (row, at), (_, old) => (old.Row?.Version ?? 0) > (row?.Version ?? 0) ? old : (row, at));
}
