using System.Text.Json.Nodes;

namespace Loom.Core.Engine;

/// <summary>How an attempt ended, as far as the state machine cares.</summary>
public enum OutcomeKind
{
    /// <summary>The task succeeded.</summary>
    Succeeded,

    /// <summary>The attempt failed; the retry policy decides what follows.</summary>
    Failed,

    /// <summary>The backend accepted the work and will POST the result to the callback URL.</summary>
    Accepted,

    /// <summary>
    /// Not sent: the target's circuit is open. The attempt does not count against <c>maxAttempts</c> and is tried again at
    /// <see cref="AttemptOutcome.HeldUntil"/>.
    /// </summary>
    Held,
}
