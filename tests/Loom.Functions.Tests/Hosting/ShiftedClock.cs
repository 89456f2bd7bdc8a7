namespace Loom.Functions.Tests.Hosting;

/// <summary>
/// A fake clock for a whole host: it reads the machine's time plus an offset a test moves ahead, so rules that look at the
/// time (retention) see days pass at once, while timers and delays still run in real time.
/// </summary>
internal sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    /// <summary>Moves the clock ahead by <paramref name="by"/>.</summary>
    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
}
