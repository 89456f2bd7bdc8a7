using System.Collections.Concurrent;
using System.Reflection;
using DurableTask.Core;
using DurableTask.Core.History;
using Loom.Functions.Tests.Hosting;

namespace Loom.Bench.Durable;

/// <summary>What the Durable runtime did, counted where the sidecar hands work back to the backend: episodes, activities by name, finished instances.</summary>
internal sealed class DurableCounts
{
    private readonly ConcurrentDictionary<string, long> _activities = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<DateTimeOffset>> _finished = new(StringComparer.Ordinal);
    private long _episodes;

    /// <summary>Orchestration episodes committed (one per orchestrator work item, i.e. one replay of the history).</summary>
    public long Episodes => Interlocked.Read(ref _episodes);

    /// <summary>Activity executions committed, per activity name.</summary>
    public IReadOnlyDictionary<string, long> Activities => new Dictionary<string, long>(_activities, StringComparer.Ordinal);

    /// <summary>When the instance's final episode (completed, failed or terminated) was committed.</summary>
    public Task<DateTimeOffset> FinishedAsync(string instanceId) => Finish(instanceId).Task;

    /// <summary>True once <paramref name="instanceId"/> has finished.</summary>
    public bool IsFinished(string instanceId) => _finished.TryGetValue(instanceId, out var done) && done.Task.IsCompleted;

    public void Episode(OrchestrationRuntimeState state)
    {
        Interlocked.Increment(ref _episodes);
        if (state.OrchestrationStatus is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated
            && state.OrchestrationInstance?.InstanceId is { } id)
        {
            Finish(id).TrySetResult(DateTimeOffset.UtcNow);
        }
    }

    public void Activity(TaskActivityWorkItem workItem)
    {
        var name = (workItem.TaskMessage.Event as TaskScheduledEvent)?.Name ?? "?";
        _activities.AddOrUpdate(name, 1, (_, n) => n + 1);
    }

    private TaskCompletionSource<DateTimeOffset> Finish(string instanceId) =>
        _finished.GetOrAdd(instanceId, _ => new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>
/// A backend that tells <see cref="DurableCounts"/> about every episode and activity the sidecar completes on it (after the
/// backend has stored it); every member goes to the backend unchanged.
/// </summary>
public class CountingBackend : DispatchProxy
{
    private object _inner = null!;
    private DurableCounts _counts = null!;

    internal static IOrchestrationBackend Wrap<T>(T inner, DurableCounts counts)
        where T : IOrchestrationService, IOrchestrationServiceClient
    {
        var proxy = Create<IOrchestrationBackend, CountingBackend>();
        var counting = (CountingBackend)(object)proxy;
        (counting._inner, counting._counts) = (inner, counts);
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var result = HostJsonSlots.Forward(_inner, targetMethod!, args);
        return targetMethod!.Name switch
        {
            nameof(IOrchestrationService.CompleteTaskOrchestrationWorkItemAsync) =>
                ThenAsync((Task)result!, () => _counts.Episode((OrchestrationRuntimeState)args![1]!)),
            nameof(IOrchestrationService.CompleteTaskActivityWorkItemAsync) =>
                ThenAsync((Task)result!, () => _counts.Activity((TaskActivityWorkItem)args![0]!)),
            _ => result,
        };
    }

    private static async Task ThenAsync(Task stored, Action count)
    {
        await stored;
        count();
    }
}
