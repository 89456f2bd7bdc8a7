namespace Loom.Core.Triggers;

/// <summary>Limits and timings of the queue-trigger pump.</summary>
public sealed record QueueTriggerOptions
{
    /// <summary>Most messages taken from one queue at once (Azure allows 32).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>How long a received message stays invisible to other readers; renewed while its run is being started.</summary>
    public TimeSpan Visibility { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the lease of a message being handled is renewed (well inside <see cref="Visibility"/>).</summary>
    public TimeSpan RenewEvery { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Deliveries after which a message that still has not started a run goes to the poison queue.</summary>
    public int MaxDeliveries { get; init; } = 5;

    /// <summary>How long the list of declared queues is reused before the workflows are read again.</summary>
    public TimeSpan DeclaredRefresh { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a message of a paused workflow stays invisible before it is looked at again.</summary>
    public TimeSpan PausedHold { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait of the poller after a pass that found no message.</summary>
    public TimeSpan IdleMin { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest wait of the poller between passes that find no message.</summary>
    public TimeSpan IdleMax { get; init; } = TimeSpan.FromSeconds(5);
}
