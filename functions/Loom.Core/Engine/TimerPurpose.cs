namespace Loom.Core.Engine;

/// <summary>Why a timer exists.</summary>
public enum TimerPurpose
{
    /// <summary>Backoff before the next attempt of a task.</summary>
    Retry,

    /// <summary>Deadline of a callback task waiting for its callback.</summary>
    CallbackTimeout,

    /// <summary>Deadline of the whole run (workflow <c>timeout</c>).</summary>
    RunTimeout,

    /// <summary>End of a wait task (<c>type: wait</c>).</summary>
    Wait,

    /// <summary>The <c>sla</c> of the run (no task id) or of a task: still going then, it missed it.</summary>
    Sla,
}
