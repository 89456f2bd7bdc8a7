namespace Loom.Core.Circuits;

/// <summary>Where a target origin's circuit stands.</summary>
public enum CircuitStatus
{
    /// <summary>Calls flow; failures are counted.</summary>
    Closed,

    /// <summary>Calls are held until the circuit may half-open.</summary>
    Open,

    /// <summary>One probe call is in flight; every other call is held until it answers.</summary>
    HalfOpen,
}
