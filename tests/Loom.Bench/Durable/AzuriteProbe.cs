using System.Diagnostics;
using Azure;
using Azure.Data.Tables;

namespace Loom.Bench.Durable;

/// <summary>
/// Watches whether Azurite answers at all while a phase runs: one cheap table read at a time, every 250 ms, timing each.
/// Azurite is one Node process; its queue garbage collection (every 60 s) removes each dead message extent with a sort of its
/// whole extent list, and after a phase of tens of thousands of messages it stops answering anything for tens of seconds. Such
/// a freeze lands on whichever phase is running, so each phase's line reports the seconds Azurite did not answer.
/// </summary>
internal sealed class AzuriteProbe : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Unanswered = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stop = new();
    private readonly TableClient _table;
    private readonly Task _loop;
    private double _stalledSeconds;
    private double _longestSeconds;

    private AzuriteProbe(string connectionString)
    {
        _table = new TableClient(connectionString, "benchprobe");
        _loop = LoopAsync();
    }

    /// <summary>Seconds beyond the first one that probes waited for an answer, summed.</summary>
    public double StalledSeconds => Volatile.Read(ref _stalledSeconds);

    /// <summary>The longest wait for one probe, in seconds.</summary>
    public double LongestSeconds => Volatile.Read(ref _longestSeconds);

    public static async Task<AzuriteProbe> StartAsync(string connectionString, CancellationToken cancellationToken)
    {
        await new TableClient(connectionString, "benchprobe").CreateIfNotExistsAsync(cancellationToken);
        return new AzuriteProbe(connectionString);
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await _table.GetEntityIfExistsAsync<TableEntity>("probe", "probe", cancellationToken: _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (RequestFailedException)
            {
                // A timeout or an error still ends the wait being measured.
            }

            var took = Stopwatch.GetElapsedTime(started);
            if (took > Unanswered) Volatile.Write(ref _stalledSeconds, _stalledSeconds + (took - Unanswered).TotalSeconds);
            if (took.TotalSeconds > _longestSeconds) Volatile.Write(ref _longestSeconds, took.TotalSeconds);
            try
            {
                await Task.Delay(Interval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
