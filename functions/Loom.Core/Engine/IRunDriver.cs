using Loom.Core.Definitions;

namespace Loom.Core.Engine;

/// <summary>What a host does to run the state machine: the self-hosted engine, or Durable Functions.</summary>
public interface IRunDriver
{
    /// <summary>Stores a new run and starts it. Throws <see cref="Stores.StoreConflictException"/> when the run id exists.</summary>
    Task StartAsync(WorkflowDefinition workflow, RunState run, string trigger, CancellationToken cancellationToken = default);

    /// <summary>Delivers an event (cancel, callback) to a run; false when the run does not exist.</summary>
    Task<bool> SendAsync(string runId, RunEvent runEvent, CancellationToken cancellationToken = default);
}
