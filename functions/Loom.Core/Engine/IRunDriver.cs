using Loom.Core.Definitions;

namespace Loom.Core.Engine;

/// <summary>What a host does to run the state machine: the self-hosted engine, or Durable Functions.</summary>
public interface IRunDriver
{
    /// <summary>Stores a new run and starts it. Throws <see cref="Stores.StoreConflictException"/> when the run id exists.</summary>
    Task StartAsync(WorkflowDefinition workflow, RunState run, string trigger, CancellationToken cancellationToken = default);

    /// <summary>Delivers an event (cancel, callback) to a run; false when the run does not exist.</summary>
    Task<bool> SendAsync(string runId, RunEvent runEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Resumes the failed or cancelled run <paramref name="finished"/> in place with <paramref name="redrive"/>; false when the
    /// host cannot take it now (the run is still finishing, or another redrive got there first). By default the event goes to the
    /// run like any other: the self-hosted engine applies it to the stored run and carries on.
    /// </summary>
    Task<bool> RedriveAsync(WorkflowDefinition workflow, RunState finished, RedriveRequested redrive, CancellationToken cancellationToken = default) =>
        SendAsync(finished.RunId, redrive, cancellationToken);

    /// <summary>
    /// <paramref name="stored"/> (a run's stored state that is not final) with the live progress the driver keeps apart from the
    /// stored row laid over it (the Durable orchestration's custom status, merged by <c>RunLiveStatus.Merge</c>); the stored state
    /// as it is when the stored row is all there is.
    /// </summary>
    Task<RunState> WithLiveProgressAsync(RunState stored, CancellationToken cancellationToken = default) => Task.FromResult(stored);
}
