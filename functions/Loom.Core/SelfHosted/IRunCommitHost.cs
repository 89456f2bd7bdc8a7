using Loom.Core.Engine;

namespace Loom.Core.SelfHosted;

/// <summary>What a run's commit loop asks of the process it runs in: act on commands, arm a flush, and hear how commits go.</summary>
public interface IRunCommitHost
{
    /// <summary>True once the process is shutting down: no new call or timer starts (what is committed stays owed in the outbox).</summary>
    bool IsDraining { get; }

    /// <summary>Calls a task (unless that attempt is already in flight here).</summary>
    /// <param name="invoke">The attempt.</param>
    /// <param name="state">The run's state the call is built from.</param>
    void Send(InvokeTask invoke, RunState state);

    /// <summary>Starts a timer that posts <see cref="TimerFired"/> to the run when it fires.</summary>
    /// <param name="timer">The timer.</param>
    void StartTimer(StartTimer timer);

    /// <summary>Sends an owed notification (with its retries) and posts <see cref="NotificationReported"/> to the run when it is done.</summary>
    /// <param name="send">The notification.</param>
    /// <param name="state">The run's state the notification is built from.</param>
    void Notify(SendNotification send, RunState state);

    /// <summary>Cancels an attempt in flight.</summary>
    /// <param name="abort">The attempt.</param>
    void Abort(AbortTask abort);

    /// <summary>Posts <see cref="RunMessage.Flush"/> to the run after <paramref name="delay"/>.</summary>
    /// <param name="delay">How long the carried events may wait.</param>
    void FlushAfter(TimeSpan delay);

    /// <summary>A change of the run was committed.</summary>
    /// <param name="state">The state now stored.</param>
    void Committed(RunState state);

    /// <summary>A commit failed for the <paramref name="failures"/>-th time in a row, for a reason that is neither a conflict nor an outage.</summary>
    /// <param name="error">Why.</param>
    /// <param name="failures">Failures in a row, this one included.</param>
    void Stalled(Exception error, int failures);

    /// <summary>A commit succeeded after <paramref name="failures"/> failed ones.</summary>
    /// <param name="failures">The failures before it.</param>
    void Recovered(int failures);

    /// <summary>The run is being failed because its change cannot be committed.</summary>
    /// <param name="reason">The reason recorded on the run.</param>
    void Aborting(string reason);

    /// <summary>Storage could not be reached; the loop waits until it is back. Told once per outage.</summary>
    /// <param name="error">The first failure.</param>
    void StorageUnreachable(Exception error);
}
