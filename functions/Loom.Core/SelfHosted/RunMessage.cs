using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.SelfHosted;

/// <summary>An item of a run's mailbox: an event to apply (with the row of the attempt whose outcome it is), or, with no event, a request to commit what is carried.</summary>
/// <param name="Event">The event, or null for a flush.</param>
/// <param name="Attempt">The attempt row written with the event's commit.</param>
public sealed record RunMessage(RunEvent? Event, AttemptRecord? Attempt = null)
{
    /// <summary>A request to commit whatever is carried.</summary>
    public static RunMessage Flush { get; } = new((RunEvent?)null);
}
