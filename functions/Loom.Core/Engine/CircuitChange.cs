namespace Loom.Core.Engine;

/// <summary>What an attempt's outcome did to its target's circuit, for the run's event log.</summary>
public enum CircuitChange
{
    /// <summary>Nothing the log needs to tell.</summary>
    None,

    /// <summary>The attempt's failure opened the circuit (or a failed probe re-opened it).</summary>
    Opened,

    /// <summary>The attempt was the probe and its answer closed the circuit.</summary>
    Closed,
}
