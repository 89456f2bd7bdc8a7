namespace Loom.Core.Tests.SelfHosted;

/// <summary>
/// A synchronization context that queues every continuation and runs them only when the test pumps it, on the test's thread:
/// async code that awaits a fake clock then advances one deterministic step at a time.
/// </summary>
internal sealed class SerialSynchronizationContext : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = new();
    private readonly Lock _gate = new();

    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_gate) _queue.Enqueue((d, state));
    }

    public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("The simulation only posts.");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Runs <paramref name="step"/> on this context, then every continuation it queued (and those queued by them).</summary>
    public void Run(Action step)
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            step();
            while (true)
            {
                (SendOrPostCallback Callback, object? State) next;
                lock (_gate)
                {
                    if (!_queue.TryDequeue(out next)) break;
                }
                next.Callback(next.State);
            }
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }
}
