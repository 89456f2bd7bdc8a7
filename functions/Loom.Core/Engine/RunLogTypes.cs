namespace Loom.Core.Engine;

/// <summary>The values of <see cref="RunLogEntry.Type"/> the state machine emits.</summary>
public static class RunLogTypes
{
    /// <summary>The run began.</summary>
    public const string RunStarted = nameof(RunStarted);

    /// <summary>An attempt of a task was sent (the entry carries the attempt number).</summary>
    public const string TaskStarted = nameof(TaskStarted);

    /// <summary>An attempt failed and another follows after a delay (named in the message).</summary>
    public const string TaskRetrying = nameof(TaskRetrying);

    /// <summary>A callback task was accepted, or reported progress, and waits for its callback.</summary>
    public const string TaskWaiting = nameof(TaskWaiting);

    /// <summary>A task succeeded.</summary>
    public const string TaskSucceeded = nameof(TaskSucceeded);

    /// <summary>A task failed for good (the message holds the reason).</summary>
    public const string TaskFailed = nameof(TaskFailed);

    /// <summary>A task's trigger rule can no longer hold (the message names the upstream task).</summary>
    public const string TaskSkipped = nameof(TaskSkipped);

    /// <summary>A task was cancelled with the run.</summary>
    public const string TaskCancelled = nameof(TaskCancelled);

    /// <summary>The run succeeded.</summary>
    public const string RunSucceeded = nameof(RunSucceeded);

    /// <summary>The run failed.</summary>
    public const string RunFailed = nameof(RunFailed);

    /// <summary>The run was cancelled.</summary>
    public const string RunCancelled = nameof(RunCancelled);

    /// <summary>Someone asked to cancel the run (the message names the API key's name).</summary>
    public const string CancelRequested = nameof(CancelRequested);

    /// <summary>A failed or cancelled run was resumed in place (the message names who asked and the tasks reset).</summary>
    public const string RunRedriven = nameof(RunRedriven);

    /// <summary>An attempt was held, not sent, because its target's circuit is open (the message names the origin and when it is tried again).</summary>
    public const string TaskHeld = nameof(TaskHeld);

    /// <summary>This run's attempt opened its target's circuit (or, as the probe, re-opened it); the message names the origin.</summary>
    public const string CircuitOpened = nameof(CircuitOpened);

    /// <summary>This run's attempt, the probe of a half-open circuit, closed it; the message names the origin.</summary>
    public const string CircuitClosed = nameof(CircuitClosed);

    /// <summary>The run (no task id) or a task was still going when its sla passed (once each).</summary>
    public const string SlaMissed = nameof(SlaMissed);

    /// <summary>A notification reached one of its URLs (the message names the outcome, the URL's origin and the answer).</summary>
    public const string NotificationSent = nameof(NotificationSent);

    /// <summary>A notification could not be delivered to one of its URLs, for good (after its retries, or refused).</summary>
    public const string NotificationFailed = nameof(NotificationFailed);
}
