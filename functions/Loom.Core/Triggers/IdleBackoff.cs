namespace Loom.Core.Triggers;

/// <summary>The poller's wait between passes: none while messages come, then doubling from a minimum to a maximum while queues stay empty.</summary>
public sealed class IdleBackoff(TimeSpan min, TimeSpan max)
{
    private TimeSpan _current = TimeSpan.Zero;

    /// <summary>The wait before the next pass, after a pass that handled <paramref name="handled"/> messages.</summary>
    public TimeSpan Next(int handled)
    {
        _current = handled > 0 ? TimeSpan.Zero
            : _current == TimeSpan.Zero ? min
            : TimeSpan.FromTicks(Math.Min(max.Ticks, _current.Ticks * 2));
        return _current;
    }
}
