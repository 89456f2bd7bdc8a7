using System.Text.Json;
using Loom.Core.Orchestration;
using Microsoft.DurableTask;

namespace Loom.Functions.Orchestration;

/// <summary>
/// Adapts Durable Functions' <see cref="TaskOrchestrationContext"/> to the context Loom's orchestration loop is written
/// against: one call per member. Every payload crosses as JSON in <see cref="RunOrchestrationJson"/>'s contract, handed to
/// Durable as a <see cref="RunPayload{T}"/> that its serializer writes in one pass (when it writes it: a custom status set
/// at every step is written once per episode).
/// </summary>
/// <param name="context">The Durable context of the running orchestration.</param>
internal sealed class DurableRunOrchestrationContext(TaskOrchestrationContext context) : IRunOrchestrationContext
{
    /// <inheritdoc />
    public DateTimeOffset CurrentUtcDateTime => new(DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc));

    /// <inheritdoc />
    public bool IsReplaying => context.IsReplaying;

    /// <inheritdoc />
    public async Task<TResult> CallActivityAsync<TResult>(string name, object input, ActivityRetry? retry = null)
    {
        var options = retry is null ? null : TaskOptions.FromRetryPolicy(
            new RetryPolicy(retry.MaxAttempts, retry.FirstDelay, retry.BackoffCoefficient, retry.MaxDelay));
        // The input is serialized even while replaying, when Durable usually drops it (DurableTask.Core's HandleTaskScheduledEvent
        // matches a replayed action by id and name only, and sends back only unmatched actions). Not always: DurableTask.AzureStorage
        // sends an episode's messages before writing its history, in table batches of 99 events (or 3 MB), so a host that dies between
        // two batches leaves an episode whose first events are in the history and whose later TaskScheduled rows are not. The
        // replay then re-emits those actions while IsReplaying is true, and their input is sent: a placeholder would reach the
        // activity. So a replayed input is built in full; RunPayload at least writes it in one pass.
        var result = await context.CallActivityAsync<JsonElement>(name, new RunPayload<object>(input), options);
        return RunOrchestrationJson.FromPayload<TResult>(result);
    }

    /// <inheritdoc />
    public Task CreateTimer(DateTimeOffset fireAt, CancellationToken cancellationToken) => context.CreateTimer(fireAt.UtcDateTime, cancellationToken);

    /// <inheritdoc />
    public async Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken) =>
        RunOrchestrationJson.FromPayload<T>(await context.WaitForExternalEvent<JsonElement>(eventName, cancellationToken));

    /// <inheritdoc />
    public void ContinueAsNew(object input) => context.ContinueAsNew(new RunPayload<object>(input), preserveUnprocessedEvents: true);

    /// <inheritdoc />
    public void SetCustomStatus(object? status) => context.SetCustomStatus(status is null ? null : new RunPayload<object>(status));
}
