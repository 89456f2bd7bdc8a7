using Loom.Core.Orchestration;
using Microsoft.DurableTask;

namespace Loom.Functions.Orchestration;

/// <summary>Adapts Durable Functions' <see cref="TaskOrchestrationContext"/> to the context Loom's orchestration loop is written against: one call per member.</summary>
/// <param name="context">The Durable context of the running orchestration.</param>
internal sealed class DurableRunOrchestrationContext(TaskOrchestrationContext context) : IRunOrchestrationContext
{
    /// <inheritdoc />
    public DateTimeOffset CurrentUtcDateTime => new(DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc));

    /// <inheritdoc />
    public bool IsReplaying => context.IsReplaying;

    /// <inheritdoc />
    public Task<TResult> CallActivityAsync<TResult>(string name, object input, ActivityRetry? retry = null) =>
        context.CallActivityAsync<TResult>(name, input, retry is null ? null : TaskOptions.FromRetryPolicy(
            new RetryPolicy(retry.MaxAttempts, retry.FirstDelay, retry.BackoffCoefficient, retry.MaxDelay)));

    /// <inheritdoc />
    public Task CreateTimer(DateTimeOffset fireAt, CancellationToken cancellationToken) => context.CreateTimer(fireAt.UtcDateTime, cancellationToken);

    /// <inheritdoc />
    public Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken) => context.WaitForExternalEvent<T>(eventName, cancellationToken);

    /// <inheritdoc />
    public void ContinueAsNew(object input) => context.ContinueAsNew(input, preserveUnprocessedEvents: true);

    /// <inheritdoc />
    public void SetCustomStatus(object? status) => context.SetCustomStatus(status);
}
