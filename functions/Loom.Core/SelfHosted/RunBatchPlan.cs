using Loom.Core.Engine;

namespace Loom.Core.SelfHosted;

/// <summary>The decision for one batch of a run's events: the state after them and what to commit, send, start and carry.</summary>
/// <param name="Action">Commit, carry or nothing.</param>
/// <param name="State">The state after the batch.</param>
/// <param name="Commands">Every command the batch produced, executed after its commit.</param>
/// <param name="Log">The batch's audit entries.</param>
/// <param name="SendEarly">Attempts started by retry timers: sent before the commit lands (they carry nothing the stored state lacks).</param>
/// <param name="StartNow">Retry timers of attempts that failed into a retry: started at once when the batch is carried.</param>
public sealed record RunBatchPlan(
    BatchAction Action,
    RunState State,
    IReadOnlyList<RunCommand> Commands,
    IReadOnlyList<RunLogEntry> Log,
    IReadOnlyList<InvokeTask> SendEarly,
    IReadOnlyList<StartTimer> StartNow);
