using Loom.Core.Definitions;

namespace Loom.Core.Engine;

/// <summary>What a pending task's trigger rule says about its upstream tasks right now.</summary>
public enum TriggerVerdict
{
    /// <summary>Undecided: some upstream task is not final yet.</summary>
    Wait,

    /// <summary>The rule holds: start the task.</summary>
    Run,

    /// <summary>The rule can no longer hold: skip the task.</summary>
    Skip,
}
