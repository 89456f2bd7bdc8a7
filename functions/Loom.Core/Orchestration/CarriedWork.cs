using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Stores;

namespace Loom.Core.Orchestration;

/// <summary>
/// What one generation hands to the next: attempts decided but not yet sent, timers and callback waits still open.
/// Activities are never carried: a generation continues as new only when none is in flight.
/// </summary>
/// <param name="Invokes">Attempts to send first, in order.</param>
/// <param name="Timers">Timers to re-create with the same fire times.</param>
/// <param name="Callbacks">Callback waits to re-open.</param>
public sealed record CarriedWork(IReadOnlyList<InvokeTask> Invokes, IReadOnlyList<StartTimer> Timers, IReadOnlyList<WaitForCallback> Callbacks)
{
    /// <summary>Nothing owed.</summary>
    public static CarriedWork None { get; } = new([], [], []);
}
