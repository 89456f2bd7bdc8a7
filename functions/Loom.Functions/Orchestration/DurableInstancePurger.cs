using Loom.Core.Retention;
using Microsoft.DurableTask.Client;

namespace Loom.Functions.Orchestration;

/// <summary>
/// Purges a run's Durable instance (history and state) when retention deletes the run. Every generation of a run lives under
/// one instance id, the run id: ContinueAsNew keeps it and a redrive starts the new generation under it, so purging that id
/// purges them all.
/// </summary>
/// <param name="client">The invocation's Durable client.</param>
public sealed class DurableInstancePurger(DurableTaskClient client) : IRunInstancePurger
{
    /// <inheritdoc />
    /// <remarks>
    /// An instance still running (its final save is done but the orchestration has not completed yet, or a redrive started a new
    /// generation) is not purged: the run is kept until a later sweep finds the instance ended.
    /// </remarks>
    public async Task<bool> TryPurgeAsync(string runId, CancellationToken cancellationToken = default)
    {
        var instance = await client.GetInstanceAsync(runId, getInputsAndOutputs: false, cancellationToken);
        if (instance is null) return true;
        if (DurableInstanceStatus.IsLive(instance)) return false;
        await client.PurgeInstanceAsync(runId, cancellationToken);
        return true;
    }
}
