using Microsoft.DurableTask.Client;

namespace Loom.Functions.Orchestration;

/// <summary>The one definition of a Durable instance that has not ended, for the run driver and the retention purger.</summary>
internal static class DurableInstanceStatus
{
    /// <summary>The runtime statuses of an instance that may still run, save and publish its live status.</summary>
    public static readonly OrchestrationRuntimeStatus[] Live =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    /// <summary>True when the instance exists and has not ended.</summary>
    /// <param name="instance">The instance's metadata, or null when there is none.</param>
    public static bool IsLive(OrchestrationMetadata? instance) => instance is not null && Array.IndexOf(Live, instance.RuntimeStatus) >= 0;
}
