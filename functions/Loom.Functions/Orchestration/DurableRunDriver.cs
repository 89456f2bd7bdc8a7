using Loom.Core.Api;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Orchestration;
using Loom.Core.Stores;
using Loom.Functions.Hosting;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Loom.Functions.Orchestration;

/// <summary>Makes Core's <see cref="IRunDriver"/> for a <see cref="DurableTaskClient"/>, which Functions hands to each invocation through <c>[DurableClient]</c>.</summary>
/// <param name="runs">The run store.</param>
/// <param name="continueAsNewAfter">Events per orchestration generation.</param>
/// <param name="clock">Clock (how old a run record without an orchestration is).</param>
/// <param name="logger">Logger.</param>
public sealed class DurableRunDrivers(IRunStore runs, int continueAsNewAfter, TimeProvider clock, ILogger<DurableRunDrivers> logger)
{
    /// <summary>A placeholder for services built before any invocation; every call fails, saying why.</summary>
    public static IRunDriver Unbound { get; } = new UnboundRunDriver();

    /// <summary>A driver over this invocation's client.</summary>
    /// <param name="client">The invocation's Durable client.</param>
    public IRunDriver For(DurableTaskClient client) => new DurableRunDriver(client, runs, continueAsNewAfter, clock, logger);

    private sealed class UnboundRunDriver : IRunDriver
    {
        public Task StartAsync(WorkflowDefinition workflow, RunState run, string trigger, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("No DurableTaskClient is bound: use DurableRunDrivers.For(client).");

        public Task<bool> SendAsync(string runId, RunEvent runEvent, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("No DurableTaskClient is bound: use DurableRunDrivers.For(client).");
    }
}

/// <summary>Runs the state machine on Durable Functions: one orchestration per run, its instance id the run id.</summary>
internal sealed class DurableRunDriver(DurableTaskClient client, IRunStore runs, int continueAsNewAfter, TimeProvider clock, ILogger logger) : IRunDriver
{
    /// <summary>
    /// How old a run record without an orchestration must be before it counts as a crash between the two writes. A start
    /// under way (another tick of the same occurrence, a second scheduler instance) writes both within milliseconds, and
    /// starting its orchestration a second time would run the same instance id twice.
    /// </summary>
    public static readonly TimeSpan RepairAfter = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public async Task StartAsync(WorkflowDefinition workflow, RunState run, string trigger, CancellationToken cancellationToken = default)
    {
        // The run record is the deduplication point (scheduled run ids are deterministic): whoever creates it starts the orchestration.
        RunRecord created;
        try
        {
            created = await runs.CreateAsync(RunSnapshots.Merge(null, run, trigger)!, cancellationToken);
        }
        catch (StoreConflictException)
        {
            await RepairAsync(workflow, run.RunId, cancellationToken);
            throw;
        }

        await ScheduleAsync(workflow, run, created, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> SendAsync(string runId, RunEvent runEvent, CancellationToken cancellationToken = default)
    {
        var external = RunOrchestrator.ToExternalEvent(runEvent)
            ?? throw new ArgumentException($"{runEvent.GetType().Name} is not delivered from outside a run.", nameof(runEvent));
        var instance = await client.GetInstanceAsync(runId, cancellationToken);
        if (instance is null) return false;

        // The loop always listens for "cancel" and for the callbacks it waits on, and Durable buffers events that arrive
        // early, so raising is enough. Terminating instead would skip the final SaveRun and leave the run record stale.
        if (instance.RuntimeStatus is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended)
        {
            await client.RaiseEventAsync(runId, external.Name, RunOrchestrationJson.ToPayload(external.Payload), cancellationToken);
        }

        return true;
    }

    /// <inheritdoc />
    public async Task<RunLiveStatus?> GetLiveStatusAsync(string runId, CancellationToken cancellationToken = default)
    {
        // The custom status comes only with inputs and outputs; the orchestration's input (workflow and state) is the price.
        var instance = await client.GetInstanceAsync(runId, getInputsAndOutputs: true, cancellationToken);
        return instance is { RuntimeStatus: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended }
            ? RunLiveStatus.Parse(instance.SerializedCustomStatus)
            : null;
    }

    /// <summary>Starts the run's orchestration; it is given the row's ETag, so its first save replaces the row without reading it.</summary>
    private Task ScheduleAsync(WorkflowDefinition workflow, RunState run, RunRecord row, CancellationToken cancellationToken) =>
        client.ScheduleNewOrchestrationInstanceAsync(
            RunOrchestration.Name,
            RunOrchestrationJson.ToPayload(new RunOrchestrationInput(
                workflow, run, ContinueAsNewAfter: continueAsNewAfter, Stored: row.ETag is { } etag ? new StoredRun(etag, row.Trigger) : null)),
            new StartOrchestrationOptions(run.RunId),
            cancellationToken);

    /// <summary>A record without an orchestration means a crash between the two writes: start the orchestration now.</summary>
    private async Task RepairAsync(WorkflowDefinition workflow, string runId, CancellationToken cancellationToken)
    {
        if (await client.GetInstanceAsync(runId, cancellationToken) is not null) return;
        var stored = await runs.GetAsync(runId, cancellationToken);
        if (stored is null || !RunStateJson.TryDeserialize(stored.State, out var state, out _) || state.Status != RunStatus.Pending) return;
        if (clock.GetUtcNow() - stored.CreatedAt < RepairAfter) return; // most likely a start in progress elsewhere; the next tick repairs a real crash
        await ScheduleAsync(workflow, state, stored, cancellationToken);
        FunctionsLog.Repaired(logger, runId);
    }
}
