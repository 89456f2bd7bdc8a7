using Loom.Core.Stores;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Loom.Server.Engine;

/// <summary>
/// Keeps this process's heartbeat fresh and adopts work orphaned by dead processes: items in a run's outbox whose owner
/// stopped beating (or was replaced by a restart under the same name) are claimed with a conditional write and executed again.
/// </summary>
internal sealed partial class RecoveryService(
    RunEngine engine,
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
                LogSweepFailed(logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    /// <summary>One heartbeat and one sweep; returns the number of runs adopted.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await registry.BeatAsync(new ProcessHeartbeat(identity.Name, identity.Incarnation, now), cancellationToken);
        var beats = (await registry.ListAsync(cancellationToken)).ToDictionary(b => b.Name, StringComparer.Ordinal);

        bool IsDead(string owner)
        {
            if (owner == identity.Incarnation) return false;
            var name = ProcessIdentity.NameOf(owner);
            if (!beats.TryGetValue(name, out var beat)) return true;
            // A newer incarnation under the same name means the owner restarted: its old work is orphaned now.
            return beat.Incarnation != owner || now - beat.LastSeen > options.ProcessTimeout;
        }

        var adopted = 0;
        foreach (var run in await runs.ListWithOutboxAsync(500, cancellationToken))
        {
            if (await engine.RecoverAsync(run, IsDead, cancellationToken)) adopted++;
        }
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
            LogSweepFailed(logger, ex);
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

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Recovery sweep failed; retrying at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}

/// <summary>Timing of heartbeats and sweeps.</summary>
/// <param name="Interval">Between sweeps.</param>
/// <param name="ProcessTimeout">Heartbeat age that means dead.</param>
/// <param name="ShutdownGrace">How long shutdown waits for work in flight.</param>
internal sealed record RecoveryOptions(TimeSpan Interval, TimeSpan ProcessTimeout, TimeSpan ShutdownGrace);
