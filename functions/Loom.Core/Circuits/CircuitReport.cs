using Loom.Core.Engine;

namespace Loom.Core.Circuits;

/// <summary>The answer of <see cref="CircuitRules.Report"/>: the circuit to store (on the read row's ETag), and what changed.</summary>
/// <param name="Write">The new row; null when the outcome changes nothing stored.</param>
/// <param name="Change">Whether the circuit opened or closed, for the run's event log.</param>
public sealed record CircuitReport(CircuitRecord? Write, CircuitChange Change);
