using Loom.Core.Stores;

namespace Loom.Core.SelfHosted;

/// <summary>One commit of the self-hosted driver: the run row (state, outbox, status) and the history rows written with it in one transaction.</summary>
/// <param name="Record">The run row to write (conditionally on its ETag, or created).</param>
/// <param name="History">The event-log rows and attempt rows of the same write.</param>
public sealed record RunCommit(RunRecord Record, RunHistory History);
