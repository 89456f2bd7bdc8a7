using Loom.Core.Stores;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Loom.Server.Engine;

/// <summary>
/// Keeps this process's heartbeat fresh and adopts work orphaned by dead processes: items in a run's outbox whose owner
/// stopped beating (or was replaced by a restart under the same name) are claimed with a conditional write and executed again.
/// See <see cref="SweepAsync"/> for when runs are scanned.
/// </summary>
internal sealed class RecoveryService(
    SelfHostedRunDriver engine,
    IRunStore runs,
    IProcessRegistry registry,
    ProcessIdentity identity,
    TimeProvider clock,
    RecoveryOptions options,
    ILogger<RecoveryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Interval, clock);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Log.SweepFailed(logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    // Each incarnation in the registry with whether it was alive, as of the last complete scan (null: no scan yet).
    private HashSet<string>? _scannedWith;
    private DateTimeOffset _lastScan;

    /// <summary>
    /// One heartbeat and, when it is due, one scan of every run that owes work; returns the number of runs adopted.
    /// </summary>
    /// <remarks>
    /// Orphans appear only when a process dies, stops or restarts, and the registry shows each of those: so the runs are scanned
    /// when the registry's picture changed since the last complete scan, at start, and otherwise only every
    /// <see cref="RecoveryOptions.FullScanInterval"/> (a safety net for an owner that died before its first heartbeat). A live
    /// cluster thus pays one heartbeat write and one small query per interval, not a read of every live run.
    /// </remarks>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await registry.BeatAsync(new ProcessHeartbeat(identity.Name, identity.Incarnation, now), cancellationToken);
        var beats = (await registry.ListAsync(cancellationToken)).ToDictionary(b => b.Name, StringComparer.Ordinal);

        bool IsStale(ProcessHeartbeat beat) => beat.Incarnation != identity.Incarnation && now - beat.LastSeen > options.ProcessTimeout;

        bool IsDead(string owner)
        {
            if (owner == identity.Incarnation) return false;
            var name = ProcessIdentity.NameOf(owner);
            if (!beats.TryGetValue(name, out var beat)) return true;
            // A newer incarnation under the same name means the owner restarted: its old work is orphaned now.
            return beat.Incarnation != owner || IsStale(beat);
        }

        var picture = beats.Values.Select(b => IsStale(b) ? b.Incarnation + " dead" : b.Incarnation).ToHashSet(StringComparer.Ordinal);
        if (_scannedWith is not null && picture.IsSubsetOf(_scannedWith) && now - _lastScan < options.FullScanInterval) return 0;

        var adopted = 0;
        string? continuation = null;
        do
        {
            var page = await runs.ListWithOutboxAsync(500, continuation, cancellationToken);
            foreach (var run in page.Items)
            {
                if (await engine.RecoverAsync(run, IsDead, cancellationToken)) adopted++;
            }
            continuation = page.Continuation;
        }
        while (continuation is not null);
        _scannedWith = picture;
        _lastScan = now;
        return adopted;
    }

    /// <summary>Marks this process gone so others adopt what it leaves at once.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await engine.StopAsync(options.ShutdownGrace);
        try
        {
            await registry.BeatAsync(new ProcessHeartbeat(identity.Name, identity.Incarnation, DateTimeOffset.MinValue), cancellationToken);
        }
        catch (Exception ex)
        {
            Log.SweepFailed(logger, ex);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

/// <summary>Timing of heartbeats and sweeps.</summary>
/// <param name="Interval">Between sweeps.</param>
/// <param name="ProcessTimeout">Heartbeat age that means dead.</param>
/// <param name="ShutdownGrace">How long shutdown waits for work in flight.</param>
internal sealed record RecoveryOptions(TimeSpan Interval, TimeSpan ProcessTimeout, TimeSpan ShutdownGrace)
{
    /// <summary>Longest time between two scans of every run that owes work while no process is seen dying: 30 intervals.</summary>
    public TimeSpan FullScanInterval => Interval * 30;
}
