using Loom.Core.Engine;

namespace Loom.Core.SelfHosted;

/// <summary>A process's adoption of a run's orphaned work: what to execute again, and the outbox to store (conditionally) first.</summary>
/// <param name="Orphaned">Commands that re-execute the orphaned items, in the machine's order.</param>
/// <param name="Outbox">The outbox column naming the adopter as the owner of those items.</param>
public sealed record OutboxClaim(IReadOnlyList<RunCommand> Orphaned, string Outbox);
