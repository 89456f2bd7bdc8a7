namespace Loom.Core.Definitions;

/// <summary>What a notification reports.</summary>
public enum NotifyKind
{
    /// <summary>The run failed (a task failed for good, the run timed out or could not be stored); not sent for a cancelled run.</summary>
    Failure,

    /// <summary>The run succeeded.</summary>
    Success,

    /// <summary>The run, or one of its tasks, was still going when its <c>sla</c> passed.</summary>
    SlaMiss,
}
