namespace Loom.Core.Circuits;

/// <summary>The answer of <see cref="CircuitRules.Admit"/>: the decision, and the row to write for it (only a probe claims one).</summary>
/// <param name="Decision">Send, probe or hold.</param>
/// <param name="HoldUntil">When a held attempt may try again; null unless held.</param>
/// <param name="Write">The circuit as it must be stored (on the read row's ETag) before the decision holds; null when nothing is written.</param>
public sealed record CircuitAdmission(CircuitDecision Decision, DateTimeOffset? HoldUntil, CircuitRecord? Write);
