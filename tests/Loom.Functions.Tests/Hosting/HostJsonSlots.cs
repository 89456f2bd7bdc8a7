using System.Reflection;
using DurableTask.Core;

namespace Loom.Functions.Tests.Hosting;

/// <summary>An orchestration service and its client in one, as the sidecar takes them (with purging, which retention uses).</summary>
public interface IOrchestrationBackend : IOrchestrationService, IOrchestrationServiceClient, IOrchestrationServicePurgeClient;

/// <summary>
/// Gives a backend that fixes its own concurrency (the test host's in-memory service allows one activity and one
/// orchestration per core) the slots host.json gives the Function App (<c>maxConcurrentActivityFunctions</c>,
/// <c>maxConcurrentOrchestratorFunctions</c>); every other member goes to the backend unchanged.
/// </summary>
public class HostJsonSlots : DispatchProxy
{
    private object _inner = null!;
    private int _activities;
    private int _orchestrations;

    /// <summary>Wraps <paramref name="inner"/> with the given slots.</summary>
    public static IOrchestrationBackend Wrap<T>(T inner, int activities, int orchestrations)
        where T : IOrchestrationService, IOrchestrationServiceClient, IOrchestrationServicePurgeClient
    {
        var proxy = Create<IOrchestrationBackend, HostJsonSlots>();
        var slots = (HostJsonSlots)(object)proxy;
        (slots._inner, slots._activities, slots._orchestrations) = (inner, activities, orchestrations);
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod!.Name switch
    {
        "get_" + nameof(IOrchestrationService.MaxConcurrentTaskActivityWorkItems) => _activities,
        "get_" + nameof(IOrchestrationService.MaxConcurrentTaskOrchestrationWorkItems) => _orchestrations,
        _ => Forward(_inner, targetMethod, args),
    };

    /// <summary>Calls <paramref name="method"/> on <paramref name="inner"/>, throwing what it throws (not a <see cref="TargetInvocationException"/>).</summary>
    internal static object? Forward(object inner, MethodInfo method, object?[]? args)
    {
        try
        {
            return method.Invoke(inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }
}
