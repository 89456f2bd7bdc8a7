using Loom.Core.Definitions;
using Loom.Core.Engine;

namespace Loom.Core.Api;

/// <summary>What a host does to run the state machine: the self-hosted engine, or Durable Functions.</summary>
public interface IRunDriver
{
    /// <summary>Stores a new run and starts it. Throws <see cref="Stores.StoreConflictException"/> when the run id exists.</summary>
    Task StartAsync(WorkflowDefinition workflow, RunState run, string trigger, CancellationToken cancellationToken = default);

    /// <summary>Delivers an event (cancel, callback) to a run; false when the run does not exist.</summary>
    Task<bool> SendAsync(string runId, RunEvent runEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// The run's live progress when the driver keeps it apart from the stored row (the Durable orchestration's custom status);
    /// null when the stored row is all there is. Readers merge it with <see cref="Orchestration.RunLiveStatus.Merge"/>.
    /// </summary>
    Task<Orchestration.RunLiveStatus?> GetLiveStatusAsync(string runId, CancellationToken cancellationToken = default) =>
        Task.FromResult<Orchestration.RunLiveStatus?>(null);
}
