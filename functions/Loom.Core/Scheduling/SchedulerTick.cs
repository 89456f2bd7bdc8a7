using Loom.Core.Api;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Scheduling;

/// <summary>What one tick did for one workflow.</summary>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="Started">Runs started.</param>
/// <param name="AlreadyStarted">Occurrences another tick or server had started already.</param>
/// <param name="Skipped">Occurrences skipped by the concurrency policy, with the reason.</param>
public sealed record TickResult(string WorkflowId, IReadOnlyList<string> Started, IReadOnlyList<string> AlreadyStarted, IReadOnlyList<string> Skipped);

/// <summary>
/// One scheduler tick, shared by both hosts (a Timer trigger in Functions, a loop in the server): for every active,
/// scheduled workflow, compute the occurrences due since the last evaluation in its time zone, apply catch-up and
/// concurrency policy, and start runs with deterministic ids, so a tick run twice, or by two servers at once, starts
/// each occurrence exactly once.
/// </summary>
public sealed class SchedulerTick(WorkflowCatalog workflows, ISchedulerStateStore states, IRunStore runs, IRunDriver driver)
{
    /// <summary>How late a tick may be and still start an occurrence under catchup: none.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Evaluates every workflow at <paramref name="now"/>.</summary>
    public async Task<IReadOnlyList<TickResult>> RunAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var results = new List<TickResult>();
        foreach (var head in await workflows.Store.ListHeadsAsync(false, cancellationToken))
        {
            if (head.Paused) continue;
            var definition = await workflows.GetAsync(head.WorkflowId, head.CurrentVersion, cancellationToken);
            if (definition?.Schedule is null) continue;
            results.Add(await EvaluateAsync(head, definition, now, cancellationToken));
        }
        return results;
    }

    private async Task<TickResult> EvaluateAsync(WorkflowHead head, WorkflowDefinition definition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var spec = definition.Schedule!;
        var cron = CronSchedule.Parse(spec.Cron, spec.Timezone);
        var state = await states.GetAsync(definition.Id, cancellationToken);
        // A workflow never evaluated starts from its registration: nothing before it was ever due.
        var last = state?.LastEvaluated ?? head.UpdatedAt;
        var due = SchedulePlanner.DueOccurrences(spec, cron, last, now, Grace);
        var started = new List<string>();
        var existing = new List<string>();
        var skipped = new List<string>();
        foreach (var occurrence in due)
        {
            var runId = RunIds.ForOccurrence(definition.Id, occurrence);
            if (await runs.GetAsync(runId, cancellationToken) is not null)
            {
                existing.Add(runId);
                continue;
            }
            // Listing active runs costs reads; only the policies that look at them pay for it.
            var needsActive = spec.Concurrency != ConcurrencyPolicy.Allow || spec.MaxActiveRuns is not null;
            var active = needsActive ? await ActiveRunsAsync(definition.Id, cancellationToken) : [];
            var decision = SchedulePlanner.DecideConcurrency(spec, active.Count);
            if (decision.Action == ScheduleAction.Skip)
            {
                skipped.Add($"{runId}: {decision.Reason}");
                continue;
            }
            if (decision.Action == ScheduleAction.ReplaceActive)
            {
                foreach (var run in active)
                {
                    await driver.SendAsync(run.RunId, new CancelRequested($"replaced by the occurrence {occurrence:O}", now), cancellationToken);
                }
            }
            var initial = RunStateMachine.Create(definition, head.CurrentVersion, runId, null, occurrence, now);
            try
            {
                await driver.StartAsync(definition, initial, "schedule", cancellationToken);
                started.Add(runId);
            }
            catch (StoreConflictException)
            {
                existing.Add(runId);
            }
        }
        // Losing this race is harmless: the winner evaluated the same window, and run ids deduplicate occurrences.
        await states.TrySaveAsync(new SchedulerState(definition.Id, now, state?.ETag), cancellationToken);
        return new TickResult(definition.Id, started, existing, skipped);
    }

    private async Task<List<RunRecord>> ActiveRunsAsync(string workflowId, CancellationToken cancellationToken)
    {
        var active = new List<RunRecord>();
        foreach (var status in new[] { "running", "pending" })
        {
            var page = await runs.ListAsync(new RunQuery(workflowId, status, Limit: 1000), cancellationToken);
            active.AddRange(page.Items);
        }
        return active;
    }
}
