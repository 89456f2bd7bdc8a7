using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Scheduling;

/// <summary>What one tick did for one workflow.</summary>
/// <param name="WorkflowId">Workflow id.</param>
/// <param name="Started">Runs started.</param>
/// <param name="AlreadyStarted">Occurrences another tick or server had started already.</param>
/// <param name="Skipped">Occurrences skipped by the concurrency policy, with the reason.</param>
public sealed record TickResult(string WorkflowId, IReadOnlyList<string> Started, IReadOnlyList<string> AlreadyStarted, IReadOnlyList<string> Skipped)
{
    /// <summary>Runs of a bounded backfill this tick started.</summary>
    public IReadOnlyList<string> BackfillStarted { get; init; } = [];

    /// <summary>Occurrences of a bounded backfill still waiting for a free slot after this tick.</summary>
    public int BackfillQueued { get; init; }
}

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
            // Paused holds both the schedule and a backfill under way.
            if (head.Paused) continue;
            var definition = await workflows.GetAsync(head.WorkflowId, head.CurrentVersion, cancellationToken);
            if (definition is null) continue;
            var backfill = await ContinueBackfillAsync(head, definition, now, cancellationToken);
            if (definition.Schedule is not null)
            {
                var result = await EvaluateAsync(head, definition, now, cancellationToken);
                results.Add(backfill is { } b ? result with { BackfillStarted = b.Started, BackfillQueued = b.Queued } : result);
            }
            else if (backfill is { } b)
            {
                results.Add(new TickResult(definition.Id, [], [], []) { BackfillStarted = b.Started, BackfillQueued = b.Queued });
            }
        }
        return results;
    }

    /// <summary>
    /// Starts the next occurrences of a bounded backfill while fewer than its <c>maxConcurrent</c> runs are active, oldest first.
    /// Two ticks at once read the same queue and so start the same next occurrences, which their deterministic run ids
    /// deduplicate; only one of them saves the queue (ETag). Null when the workflow has no backfill under way.
    /// </summary>
    public async Task<(IReadOnlyList<string> Started, int Queued)?> ContinueBackfillAsync(WorkflowHead head, WorkflowDefinition definition, DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(definition);
        var queue = await states.GetBackfillAsync(definition.Id, cancellationToken);
        if (queue is null) return null;
        var active = new List<string>();
        foreach (var runId in queue.Active)
        {
            if (await runs.GetAsync(runId, cancellationToken) is { } run && !RunStatuses.IsFinal(run.Status)) active.Add(runId);
        }
        var pending = queue.Pending.ToList();
        var started = new List<string>();
        var overrides = JsonNode.Parse(queue.Params) as JsonObject;
        while (active.Count < queue.MaxConcurrent && pending.Count > 0)
        {
            var at = pending[0];
            pending.RemoveAt(0);
            var runId = RunIds.ForOccurrence(definition.Id, at);
            var state = RunStateMachine.Create(definition, head.CurrentVersion, runId, (JsonObject?)overrides?.DeepClone(), at, now);
            try
            {
                await driver.StartAsync(definition, state, "backfill", cancellationToken);
                started.Add(runId);
                active.Add(runId);
            }
            catch (StoreConflictException)
            {
                // Started already (by a tick that ran at the same time, or the schedule): it counts while it is active.
                if (await runs.GetAsync(runId, cancellationToken) is { } run && !RunStatuses.IsFinal(run.Status)) active.Add(runId);
            }
        }
        // Nothing left to start: the backfill is done once its active runs finish on their own.
        var saved = pending.Count == 0
            ? await states.TryDeleteBackfillAsync(definition.Id, queue.ETag, cancellationToken)
            : await states.TrySaveBackfillAsync(queue with { Pending = pending, Active = active }, cancellationToken);
        return saved ? (started, pending.Count) : (started, queue.Pending.Count);
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
