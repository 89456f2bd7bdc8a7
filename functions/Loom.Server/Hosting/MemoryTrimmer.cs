namespace Loom.Server.Hosting;

/// <summary>
/// Gives memory back to the operating system once the process goes quiet. The GC only runs when something allocates, so a
/// server that handled a burst (large registrations, many outputs) and then idles would keep the heap that burst grew to:
/// when little was allocated since the last look and the committed heap grew well beyond what the last trim left, this runs
/// one compacting collection that also decommits free memory.
/// </summary>
internal sealed class MemoryTrimmer(MemoryTrimOptions options, ILogger<MemoryTrimmer> logger) : BackgroundService
{
    private long _trims;

    /// <summary>Trims so far (diagnostics).</summary>
    public long Trims => Interlocked.Read(ref _trims);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Interval <= TimeSpan.Zero) return;
        var baseline = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var allocated = GC.GetTotalAllocatedBytes();
        using var timer = new PeriodicTimer(options.Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var nowAllocated = GC.GetTotalAllocatedBytes();
            var quiet = nowAllocated - allocated < options.QuietBytes;
            allocated = nowAllocated;
            var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
            if (!quiet || committed < baseline + options.GrowthBytes) continue;

            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            baseline = GC.GetGCMemoryInfo().TotalCommittedBytes;
            allocated = GC.GetTotalAllocatedBytes();
            Interlocked.Increment(ref _trims);
            Log.Trimmed(logger, committed >> 20, baseline >> 20);
        }
    }
}

/// <summary>When <see cref="MemoryTrimmer"/> looks and what counts as quiet and as grown.</summary>
/// <param name="Interval">How often it looks; zero or less turns it off.</param>
/// <param name="QuietBytes">Allocated since the last look below which the process counts as quiet.</param>
/// <param name="GrowthBytes">Growth of the committed heap since the last trim that is worth giving back.</param>
internal sealed record MemoryTrimOptions(TimeSpan Interval, long QuietBytes = 16L << 20, long GrowthBytes = 32L << 20);
