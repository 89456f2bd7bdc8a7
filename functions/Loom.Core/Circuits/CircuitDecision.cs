namespace Loom.Core.Circuits;

/// <summary>What the circuit says about an attempt about to be sent.</summary>
public enum CircuitDecision
{
    /// <summary>Send it (the circuit is closed).</summary>
    Send,

    /// <summary>Send it as the half-open circuit's one probe: its answer closes or re-opens the circuit.</summary>
    Probe,

    /// <summary>Do not send it; try again at the admission's <see cref="CircuitAdmission.HoldUntil"/>.</summary>
    Hold,
}
