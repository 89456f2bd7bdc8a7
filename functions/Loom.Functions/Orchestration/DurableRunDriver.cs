using Loom.Core.Api;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Orchestration;
using Loom.Core.Stores;
using Loom.Core.Telemetry;
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
    /// <inheritdoc />
    /// <remarks>
    /// The run is created already started, with its start's event rows, in one write (as on the self-hosted server): the
    /// orchestration begins with the work the start issued, and saves next when the run's status changes again.
    /// </remarks>
    public async Task StartAsync(WorkflowDefinition workflow, RunState run, string trigger, CancellationToken cancellationToken = default)
    {
        run = RunTrace.Assign(run);
        var start = DurableRunStart.Of(workflow, run, trigger, clock.GetUtcNow());
        // The run record is the deduplication point (scheduled run ids are deterministic): whoever creates it starts the orchestration.
        RunRecord created;
        try
        {
            created = await runs.CreateAsync(start.Record, start.History, cancellationToken);
        }
        catch (StoreConflictException)
        {
            await RepairAsync(workflow, run.RunId, cancellationToken);
            throw;
        }

        RunTelemetry.Committed(start.State, start.History.Events, trigger);
        await ScheduleAsync(workflow, start.State, created, start.Carried, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> SendAsync(string runId, RunEvent runEvent, CancellationToken cancellationToken = default)
    {
        var external = DurableRunOrchestrator.ToExternalEvent(runEvent)
            ?? throw new ArgumentException($"{runEvent.GetType().Name} is not delivered from outside a run.", nameof(runEvent));
        var instance = await client.GetInstanceAsync(runId, cancellationToken);
        if (instance is null) return false;

        // The loop always listens for "cancel" and for the callbacks it waits on, and Durable buffers events that arrive
        // early, so raising is enough. Terminating instead would skip the final SaveRun and leave the run record stale.
        if (DurableInstanceStatus.IsLive(instance))
        {
            await client.RaiseEventAsync(runId, external.Name, RunOrchestrationJson.ToPayload(external.Payload), cancellationToken);
        }

        return true;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A Durable instance that ended is final, so the run resumes as a new orchestration under the same instance id (Durable
    /// reuses the id of a completed, failed or terminated instance), its input the stored run and the redrive. False while
    /// the instance is still running (its last save is under way) or when another redrive started it first.
    /// </remarks>
    public async Task<bool> RedriveAsync(WorkflowDefinition workflow, RunState finished, RedriveRequested redrive, CancellationToken cancellationToken = default)
    {
        if (await IsLiveAsync(finished.RunId, cancellationToken) && !await CompletesSoonAsync(finished.RunId, cancellationToken)) return false;
        var options = new StartOrchestrationOptions(finished.RunId).WithDedupeStatuses(DurableInstanceStatus.Live);
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                RunOrchestratorFunction.Name,
                RunOrchestrationJson.ToPayload(new RunOrchestrationInput(workflow, finished, ContinueAsNewAfter: continueAsNewAfter, Redrive: redrive)),
                options,
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Another redrive started the instance between the check and the start: this one is refused, not run twice.
            if (await IsLiveAsync(finished.RunId, CancellationToken.None)) return false;
            throw;
        }
        Log.Redriven(logger, finished.RunId, redrive.By ?? "unknown");
        return true;
    }

    /// <summary>
    /// Whether the instance of a run whose final state is stored completes within <see cref="FinishingWait"/>: its last save is
    /// done and the orchestration ends right after (on DurableTask.AzureStorage, once its queue messages are processed).
    /// </summary>
    private async Task<bool> CompletesSoonAsync(string runId, CancellationToken cancellationToken)
    {
        try
        {
            await client.WaitForInstanceCompletionAsync(runId, cancellationToken).WaitAsync(FinishingWait, clock, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Longest a redrive waits for the instance of a finished run to complete.</summary>
    public static readonly TimeSpan FinishingWait = TimeSpan.FromSeconds(10);

    private async Task<bool> IsLiveAsync(string runId, CancellationToken cancellationToken) =>
        DurableInstanceStatus.IsLive(await client.GetInstanceAsync(runId, cancellationToken));

    /// <inheritdoc />
    public async Task<RunState> WithLiveProgressAsync(RunState stored, CancellationToken cancellationToken = default)
    {
        // The custom status comes only with inputs and outputs; the orchestration's input (workflow and state) is the price.
        var instance = await client.GetInstanceAsync(stored.RunId, getInputsAndOutputs: true, cancellationToken);
        var live = DurableInstanceStatus.IsLive(instance) ? RunLiveStatus.Parse(instance!.SerializedCustomStatus) : null;
        return RunLiveStatus.Merge(stored, live);
    }

    /// <summary>
    /// Starts the run's orchestration from <paramref name="run"/> with the work it owes (null: the work the state waits for);
    /// it is given the row's ETag, so its first save replaces the row without reading it.
    /// </summary>
    private Task ScheduleAsync(WorkflowDefinition workflow, RunState run, RunRecord row, CarriedWork? carried, CancellationToken cancellationToken) =>
        client.ScheduleNewOrchestrationInstanceAsync(
            RunOrchestratorFunction.Name,
            RunOrchestrationJson.ToPayload(new RunOrchestrationInput(
                workflow, run, carried, ContinueAsNewAfter: continueAsNewAfter, Stored: row.ETag is { } etag ? new StoredRun(etag, row.Trigger) : null)),
            new StartOrchestrationOptions(run.RunId),
            cancellationToken);

    /// <summary>A record without an orchestration means a crash between the two writes: start the orchestration now.</summary>
    private async Task RepairAsync(WorkflowDefinition workflow, string runId, CancellationToken cancellationToken)
    {
        if (await client.GetInstanceAsync(runId, cancellationToken) is not null) return;
        var stored = await runs.GetAsync(runId, cancellationToken);
        if (DurableRunRepair.StateToRestart(stored, clock.GetUtcNow()) is not { } state) return;
        await ScheduleAsync(workflow, state, stored!, carried: null, cancellationToken);
        Log.Repaired(logger, runId);
    }
}
