namespace Loom.Core.SelfHosted;

/// <summary>What a self-hosted process gives every run's commit loop: storage, the outage policy, its incarnation and clock.</summary>
/// <param name="Store">The run's storage.</param>
/// <param name="Outages">The policy that waits out storage outages.</param>
/// <param name="CannotEverCommit">True for a storage failure the same write would meet again (too large, malformed).</param>
/// <param name="Incarnation">The process incarnation the outbox names as owner of what it commits.</param>
/// <param name="Clock">The clock of events and pauses.</param>
public sealed record RunCommitServices(IRunCommitStore Store, StorageOutagePolicy Outages, Func<Exception, bool> CannotEverCommit, string Incarnation, TimeProvider Clock);
