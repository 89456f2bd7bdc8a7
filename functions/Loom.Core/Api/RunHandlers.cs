using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Loom.Core.Api.Contracts;
using Loom.Core.Api.Streaming;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Json;
using Loom.Core.Scheduling;
using Loom.Core.Stores;

namespace Loom.Core.Api;

/// <summary>Handlers of the run routes: trigger, backfill, list, get, events, attempts, cancel, retry, callbacks.</summary>
internal sealed class RunHandlers(ApiServices services)
{
    private static readonly string[] Statuses = ["pending", "running", "succeeded", "failed", "cancelled"];

    public async Task<ApiResponse> TriggerAsync(RouteContext context)
    {
        var workflows = new WorkflowHandlers(services);
        var (head, definition) = await workflows.RequireCurrentAsync(context);
        var body = context.Body(LoomJsonContext.Default.TriggerRequest);
        var overrides = ReadParams(definition, body.Params);
        var now = services.Clock.GetUtcNow();
        var runId = RunIds.ForManual(definition.Id, now, RandomNumberGenerator.GetBytes(4));
        var state = RunStateMachine.Create(definition, head.CurrentVersion, runId, overrides, now, now) with { TriggeredBy = context.Caller };
        await services.Driver.StartAsync(definition, state, "manual", context.CancellationToken);
        await AuditTrail.RecordAsync(services, context, definition.Id, "trigger", runId);
        return Accepted(runId);
    }

    public async Task<ApiResponse> BackfillAsync(RouteContext context)
    {
        var workflows = new WorkflowHandlers(services);
        var (head, definition) = await workflows.RequireCurrentAsync(context);
        if (definition.Schedule is null)
        {
            return ApiResponse.Problem(400, "No schedule", $"Workflow '{definition.Id}' has no schedule to backfill.");
        }
        var body = context.Body(LoomJsonContext.Default.BackfillRequest);
        var from = ReadInstant(body.From, "from");
        var to = ReadInstant(body.To, "to");
        if (to < from) return ApiResponse.Problem(400, "Bad range", "'to' is before 'from'.");
        var maxConcurrent = body.MaxConcurrent;
        if (maxConcurrent is not (null or (>= 1 and <= 1000)))
        {
            return ApiResponse.Problem(400, "Bad maxConcurrent", "maxConcurrent must be a whole number from 1 to 1000.");
        }
        var overrides = ReadParams(definition, body.Params);
        var cron = CronSchedule.Parse(definition.Schedule.Cron, definition.Schedule.Timezone);
        IReadOnlyList<DateTimeOffset> occurrences;
        try
        {
            occurrences = Backfill.Occurrences(cron, from, to, services.Options.MaxBackfillRuns);
        }
        catch (ArgumentException ex)
        {
            return ApiResponse.Problem(400, "Range too large", ex.Message);
        }
        await AuditTrail.RecordAsync(services, context, definition.Id, "backfill", detail: $"{body.From} to {body.To}: {occurrences.Count} occurrence(s)");
        if (maxConcurrent is { } bound)
        {
            return await BoundedBackfillAsync(head, definition, overrides, occurrences, bound, context.CancellationToken);
        }
        var started = new List<string>();
        var existing = new List<string>();
        foreach (var at in occurrences)
        {
            var runId = RunIds.ForOccurrence(definition.Id, at);
            var state = RunStateMachine.Create(definition, head.CurrentVersion, runId, overrides, at, services.Clock.GetUtcNow()) with { TriggeredBy = context.Caller };
            try
            {
                await services.Driver.StartAsync(definition, state, "backfill", context.CancellationToken);
                started.Add(runId);
            }
            catch (StoreConflictException)
            {
                // The occurrence already ran (scheduled or an earlier backfill): exactly once per occurrence.
                existing.Add(runId);
            }
        }
        return ApiResponse.Json(202, new BackfillStarted(started, null, existing, occurrences.Count, null), LoomJsonContext.Default.BackfillStarted);
    }

    /// <summary>
    /// A backfill of at most <paramref name="maxConcurrent"/> active runs: the occurrences are stored as a queue first (so none is
    /// lost if this process dies), the first ones start now, and the scheduler tick starts the rest as earlier runs finish.
    /// </summary>
    private async Task<ApiResponse> BoundedBackfillAsync(WorkflowHead head, WorkflowDefinition definition, JsonObject overrides,
        IReadOnlyList<DateTimeOffset> occurrences, int maxConcurrent, CancellationToken cancellationToken)
    {
        var queue = new BackfillQueue(definition.Id, maxConcurrent, overrides.ToJsonString(), occurrences, [], null);
        if (occurrences.Count == 0 || !await services.SchedulerStates.TrySaveBackfillAsync(queue, cancellationToken))
        {
            if (occurrences.Count > 0 && await services.SchedulerStates.GetBackfillAsync(definition.Id, cancellationToken) is { } current)
            {
                return ApiResponse.Problem(409, "Backfill under way",
                    $"Workflow '{definition.Id}' has a backfill under way ({current.Pending.Count} occurrence(s) queued, at most {current.MaxConcurrent} at once); " +
                    $"wait for it, or drop what it has not started with DELETE /api/workflows/{definition.Id}/backfill.");
            }
            if (occurrences.Count > 0) return ApiResponse.Problem(409, "Backfill under way", "Another backfill request for this workflow was stored at the same moment; try again.");
        }
        var tick = new SchedulerTick(services.Workflows, services.SchedulerStates, services.Runs, services.Driver);
        var progress = await tick.ContinueBackfillAsync(head, definition, services.Clock.GetUtcNow(), cancellationToken);
        List<string> started = [.. progress?.Started ?? []];
        List<string> queued = [.. occurrences.Skip(occurrences.Count - (progress?.Queued ?? 0)).Select(at => RunIds.ForOccurrence(definition.Id, at))];
        return ApiResponse.Json(202, new BackfillStarted(started, queued, [], occurrences.Count, maxConcurrent), LoomJsonContext.Default.BackfillStarted);
    }

    public async Task<ApiResponse> CancelBackfillAsync(RouteContext context)
    {
        var workflows = new WorkflowHandlers(services);
        var (head, _) = await workflows.RequireCurrentAsync(context);
        var queue = await services.SchedulerStates.GetBackfillAsync(head.WorkflowId, context.CancellationToken);
        if (queue is null)
        {
            return ApiResponse.Problem(404, "No backfill", $"Workflow '{head.WorkflowId}' has no backfill under way.");
        }
        await services.SchedulerStates.TryDeleteBackfillAsync(head.WorkflowId, null, context.CancellationToken);
        await AuditTrail.RecordAsync(services, context, head.WorkflowId, "cancel-backfill", detail: $"{queue.Pending.Count} occurrence(s) dropped");
        return ApiResponse.Ok(new BackfillCancelled(head.WorkflowId, queue.Pending.Count, [.. queue.Active]), LoomJsonContext.Default.BackfillCancelled);
    }

    public async Task<ApiResponse> ListAsync(RouteContext context)
    {
        var r = context.Request;
        var status = r.QueryValue("status")?.ToLowerInvariant();
        if (status is not null && !Statuses.Contains(status))
        {
            return ApiResponse.Problem(400, "Bad status", $"Unknown status '{status}'; use one of {string.Join(", ", Statuses)}.");
        }
        var since = ListingQuery.Since(r);
        var limit = ListingQuery.Limit(r);
        var query = new RunQuery(r.QueryValue("workflowId"), status, since, limit);
        if (!ContinuationTokens.TryRedeem(query, r.QueryValue("continuation"), out var storeToken, out var tokenError))
        {
            return ApiResponse.Problem(400, "Bad continuation", tokenError);
        }
        Page<RunRecord> page;
        try
        {
            page = await services.Runs.ListAsync(query with { Continuation = storeToken }, context.CancellationToken);
        }
        catch (ArgumentException) when (storeToken is not null)
        {
            // The store rejects a token it did not issue, or one from another place in its index; the caller's mistake.
            return ApiResponse.Problem(400, "Bad continuation", "continuation must be a token from a previous page of this listing.");
        }
        var items = page.Items.Select(RunViews.Summary).ToList();
        return ApiResponse.Ok(new RunList(items, ContinuationTokens.Issue(query, page.Continuation)), LoomJsonContext.Default.RunList);
    }

    public async Task<ApiResponse> GetAsync(RouteContext context)
    {
        var (record, state) = await RequireRunAsync(context["runId"], context.CancellationToken, live: true);
        var definition = await services.Workflows.GetAsync(record.WorkflowId, record.WorkflowVersion, context.CancellationToken);
        return ApiResponse.Ok(RunViews.Detail(record, state, definition), LoomJsonContext.Default.RunDetail);
    }

    /// <summary>
    /// The run's event log: all of it, or with <c>after</c> and/or <c>limit</c> one page of it read as one range of storage rows,
    /// so a client following a log reads only what is new.
    /// </summary>
    public async Task<ApiResponse> EventsAsync(RouteContext context)
    {
        var runId = context["runId"];
        var request = context.Request;
        var paged = request.QueryValue("after") is not null || request.QueryValue("limit") is not null;
        if (!RunEventCursor.TryParsePosition(request.QueryValue("after"), out var after))
        {
            return ApiResponse.Problem(400, "Bad after", "after must be a whole number from -1 (the start of the log) up: the sequence of the last event already read.");
        }
        var limit = ListingQuery.Limit(request, ListingQuery.MaxLimit);
        await RequireRunAsync(runId, context.CancellationToken);
        if (!paged)
        {
            var all = (await services.Events.ListAsync(runId, context.CancellationToken)).Select(RunViews.Event).ToList();
            return ApiResponse.Ok(new RunEventList(runId, all), LoomJsonContext.Default.RunEventList);
        }
        // One more than the page: whether more events follow, without a second read.
        var read = await services.Events.ListAfterAsync(runId, after, limit + 1, context.CancellationToken);
        var items = read.Take(limit).Select(RunViews.Event).ToList();
        return ApiResponse.Ok(new RunEventList(runId, items, read.Count > limit ? items[^1].Sequence : null), LoomJsonContext.Default.RunEventList);
    }

    public async Task<ApiResponse> AttemptsAsync(RouteContext context)
    {
        var runId = context["runId"];
        var taskId = context["taskId"];
        var (_, state) = await RequireRunAsync(runId, context.CancellationToken, live: true);
        // A forEach instance (T[i]) has attempts of its own; its state is held only while it is in flight.
        var task = ForEachRuns.StateOf(state, taskId);
        if (task is null && !ForEachRuns.IsInstance(state, taskId))
        {
            return ApiResponse.Problem(404, "Not found", $"Run '{runId}' has no task '{taskId}'.");
        }
        var attempts = await services.Attempts.ListAsync(runId, taskId, context.CancellationToken);
        var events = RunViews.NeedsEvents(attempts, task) ? await services.Events.ListAsync(runId, context.CancellationToken) : null;
        var items = RunViews.Attempts(attempts, task, events);
        return ApiResponse.Ok(new AttemptList(runId, taskId, items), LoomJsonContext.Default.AttemptList);
    }

    /// <summary>
    /// A page of a forEach task's instances: the run's state, and the attempt rows of the page's final instances (at most the page
    /// size, 1000), read together (<see cref="IAttemptStore.ListTasksAsync"/>: a few ranges per request, not one request each).
    /// </summary>
    public async Task<ApiResponse> InstancesAsync(RouteContext context)
    {
        var runId = context["runId"];
        var taskId = context["taskId"];
        var offset = ListingQuery.Offset(context.Request, ForEachInstances.MaxItems);
        var limit = ListingQuery.Limit(context.Request, ForEachViews.DefaultPageSize);
        var (record, state) = await RequireRunAsync(runId, context.CancellationToken, live: true);
        if (!state.Tasks.TryGetValue(taskId, out var task))
        {
            return ApiResponse.Problem(404, "Not found", $"Run '{runId}' has no task '{taskId}'.");
        }
        if (task.ForEach is null)
        {
            var definition = await services.Workflows.GetAsync(record.WorkflowId, record.WorkflowVersion, context.CancellationToken);
            if (definition?.Tasks.FirstOrDefault(t => t.Id == taskId)?.ForEach is null)
            {
                return ApiResponse.Problem(400, "Not a forEach task", $"Task '{taskId}' of run '{runId}' has no forEach, so it has no instances; its attempts are at /api/runs/{{runId}}/tasks/{{taskId}}/attempts.");
            }
        }
        var final = ForEachViews.FinalOnPage(task.ForEach, offset, limit).Select(i => ForEachInstances.Id(taskId, i)).ToList();
        IReadOnlyList<AttemptRecord> rows = final.Count == 0 ? [] : await services.Attempts.ListTasksAsync(runId, final, context.CancellationToken);
        return ApiResponse.Ok(ForEachViews.Page(runId, taskId, task.ForEach, offset, limit, ForEachViews.ByIndex(rows)), LoomJsonContext.Default.ForEachInstanceList);
    }

    public async Task<ApiResponse> CancelAsync(RouteContext context)
    {
        var runId = context["runId"];
        var (record, state) = await RequireRunAsync(runId, context.CancellationToken);
        if (RunStatuses.IsFinal(state.Status))
        {
            return ApiResponse.Problem(409, "Run already finished", $"Run '{runId}' already {RunStatuses.Name(state.Status)}; there is nothing to cancel.");
        }
        var reason = context.Body(LoomJsonContext.Default.CancelRequest).Reason ?? "cancelled through the API";
        await services.Driver.SendAsync(runId, new CancelRequested(reason, services.Clock.GetUtcNow()) { By = context.Caller }, context.CancellationToken);
        await AuditTrail.RecordAsync(services, context, record.WorkflowId, "cancel", runId, reason);
        return ApiResponse.Json(202, new RunCancelling(runId, "cancelling"), LoomJsonContext.Default.RunCancelling,
            new Dictionary<string, string> { ["Location"] = RunLocation(runId) });
    }

    public async Task<ApiResponse> RetryAsync(RouteContext context)
    {
        var runId = context["runId"];
        var (record, state) = await RequireRunAsync(runId, context.CancellationToken);
        if (!RunStateMachine.CanRetryFromFailed(state, out var why))
        {
            return ApiResponse.Problem(409, "Nothing to retry", $"Run '{runId}' cannot be retried: {why}");
        }
        var definition = await services.Workflows.GetAsync(record.WorkflowId, record.WorkflowVersion, context.CancellationToken)
            ?? throw new ApiProblemException(ApiResponse.Problem(409, "Version gone", $"Workflow version {record.WorkflowVersion} no longer exists."));
        var now = services.Clock.GetUtcNow();
        var newRunId = RunIds.ForManual(record.WorkflowId, now, RandomNumberGenerator.GetBytes(4));
        var retried = RunStateMachine.RetryFromFailed(definition, state, newRunId, now) with { TriggeredBy = context.Caller };
        await services.Driver.StartAsync(definition, retried, "retry", context.CancellationToken);
        await AuditTrail.RecordAsync(services, context, record.WorkflowId, "retry", newRunId, $"retry of run {runId}");
        return Accepted(newRunId, retryOf: runId);
    }

    /// <summary>
    /// Resumes a failed or cancelled run in place (same run id; succeeded tasks kept; attempt numbering continues) and
    /// acknowledges its dead letters. 400 for unknown task names, 409 when the run is not failed or cancelled.
    /// </summary>
    public async Task<ApiResponse> RedriveAsync(RouteContext context)
    {
        var runId = context["runId"];
        var (record, state) = await RequireRunAsync(runId, context.CancellationToken);
        var named = ReadTaskNames(context.Body(LoomJsonContext.Default.RedriveRequest));
        var definition = await services.Workflows.GetAsync(record.WorkflowId, record.WorkflowVersion, context.CancellationToken)
            ?? throw new ApiProblemException(ApiResponse.Problem(409, "Version gone", $"Workflow version {record.WorkflowVersion} no longer exists."));
        if (RunStateMachine.UnknownTasks(definition, named) is { Count: > 0 } unknown)
        {
            return ApiResponse.Problem(400, "Unknown tasks", $"Run '{runId}' has no task {string.Join(", ", unknown.Select(u => $"'{u}'"))}; its tasks are {string.Join(", ", definition.Tasks.Select(t => t.Id))}.");
        }
        if (!RunStateMachine.CanRedrive(state, out var why))
        {
            return ApiResponse.Problem(409, "Not redrivable", why);
        }
        var tasks = RunStateMachine.RedriveTasks(definition, state, named);
        if (tasks.Count == 0)
        {
            return ApiResponse.Problem(409, "Not redrivable", $"Run '{runId}' has no task to run again.");
        }
        var now = services.Clock.GetUtcNow();
        if (!await services.Driver.RedriveAsync(definition, state, new RedriveRequested(named, context.Caller, now), context.CancellationToken))
        {
            return ApiResponse.Problem(409, "Not redrivable", $"Run '{runId}' is being resumed or finishing already; look at it again in a moment.");
        }
        var acknowledged = await AcknowledgeDeadLettersAsync(record.WorkflowId, runId, $"{context.Caller} (redrive)", now, context.CancellationToken);
        await AuditTrail.RecordAsync(services, context, record.WorkflowId, "redrive", runId, $"tasks {string.Join(", ", tasks)}");
        return ApiResponse.Json(202, new RunRedriving(runId, tasks, context.Caller, acknowledged), LoomJsonContext.Default.RunRedriving,
            new Dictionary<string, string> { ["Location"] = RunLocation(runId) });
    }

    /// <summary>Acknowledges every open dead letter of a run; how many there were.</summary>
    private async Task<int> AcknowledgeDeadLettersAsync(string workflowId, string runId, string by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var count = 0;
        string? continuation = null;
        do
        {
            var page = await services.DeadLetters.ListAsync(new DeadLetterQuery(workflowId, RunId: runId, Limit: 100, Continuation: continuation), cancellationToken);
            foreach (var letter in page.Items)
            {
                if (await services.DeadLetters.AcknowledgeAsync(letter.Id, by, at, cancellationToken) is not null) count++;
            }
            continuation = page.Continuation;
        }
        while (continuation is not null);
        return count;
    }

    /// <summary>The <c>tasks</c> of a redrive body: absent, or at most 1000 non-empty task ids.</summary>
    private static IReadOnlyList<string> ReadTaskNames(RedriveRequest body)
    {
        if (body.Tasks is null) return [];
        if (body.Tasks.Count > 1000 || body.Tasks.Any(string.IsNullOrEmpty))
        {
            throw new ApiProblemException(ApiResponse.Problem(400, "Bad tasks", "tasks must be an array of task ids (at most 1000)."));
        }
        return [.. body.Tasks.Distinct(StringComparer.Ordinal)];
    }

    public async Task<ApiResponse> CallbackAsync(RouteContext context)
    {
        var target = services.CallbackTokens.Validate(context["token"]);
        if (target is null)
        {
            return ApiResponse.Problem(404, "Unknown callback", "This callback URL is not valid.");
        }
        var found = await services.Runs.GetAsync(target.RunId, context.CancellationToken);
        if (found is null) return ApiResponse.Problem(404, "Unknown callback", "This callback URL is not valid.");
        var state = await WithLiveStatusAsync(RunStateJson.Deserialize(found.State), context.CancellationToken);
        if (RunStateMachine.CallbackRefusal(state, target.TaskId, target.Attempt) is { } refusal)
        {
            return ApiResponse.Problem(409, "Callback not expected", refusal);
        }
        var outcome = ReadCallbackOutcome(context.Request.Body.Span);
        await services.Driver.SendAsync(target.RunId, new CallbackReceived(target.TaskId, target.Attempt, outcome, services.Clock.GetUtcNow()), context.CancellationToken);
        return ApiResponse.Json(202, new CallbackAccepted(target.RunId, target.TaskId, true), LoomJsonContext.Default.CallbackAccepted);
    }

    /// <summary>
    /// Maps a callback body to an outcome, its output admitted as a response's is (<see cref="OutputLimit.Admit"/>): capped, and
    /// a body nested too deep to keep fails the task for good with the reason. Malformed JSON or a field of the wrong type is a 400.
    /// </summary>
    internal static AttemptOutcome ReadCallbackOutcome(ReadOnlySpan<byte> body)
    {
        var parsed = RequestBody.ParseObject(body, envelopeLevels: 1, "the callback's output");
        if (parsed.TooDeep)
        {
            return OutputLimit.Refuse(new AttemptOutcome { Kind = OutcomeKind.Succeeded }, parsed.Error!);
        }

        var request = RequestBody.Bind((JsonObject)parsed.Value!, LoomJsonContext.Default.CallbackRequest);
        return OutputLimit.Admit(ReadCallbackOutcome(request), OutputLimit.DefaultMaxOutputBytes);
    }

    /// <summary>Maps a callback body <c>{status, output, message, retryable}</c> to an outcome; no status means success.</summary>
    internal static AttemptOutcome ReadCallbackOutcome(CallbackRequest body)
    {
        var status = body.Status?.ToUpperInvariant() ?? "SUCCESS";
        var (message, output) = (body.Message, body.Output);
        return status switch
        {
            "SUCCESS" or "SUCCEEDED" => new AttemptOutcome { Kind = OutcomeKind.Succeeded, Output = output, Message = message },
            "FAILED" or "FAILURE" => new AttemptOutcome { Kind = OutcomeKind.Failed, Failure = FailureClass.Reported, Retryable = body.Retryable, Message = message ?? "the backend reported FAILED", Output = output },
            "RUNNING" => new AttemptOutcome { Kind = OutcomeKind.Accepted, Message = message },
            _ => throw new ApiProblemException(ApiResponse.Problem(400, "Bad status", $"status must be SUCCESS, FAILED or RUNNING, not '{status}'.")),
        };
    }

    /// <summary>The stored run; with <paramref name="live"/>, its state as readers see it (the driver's live progress merged in).</summary>
    private async Task<(RunRecord Record, RunState State)> RequireRunAsync(string runId, CancellationToken cancellationToken, bool live = false)
    {
        var record = await services.Runs.GetAsync(runId, cancellationToken)
            ?? throw new ApiProblemException(ApiResponse.Problem(404, "Not found", $"No run with id '{runId}'."));
        var state = RunStateJson.Deserialize(record.State);
        return (record, live ? await WithLiveStatusAsync(state, cancellationToken) : state);
    }

    /// <summary>A stored state that is not final, with the driver's live progress laid over it (a final one is complete as stored).</summary>
    private Task<RunState> WithLiveStatusAsync(RunState stored, CancellationToken cancellationToken) =>
        RunStatuses.IsFinal(stored.Status)
            ? Task.FromResult(stored)
            : services.Driver.WithLiveProgressAsync(stored, cancellationToken);

    private static JsonObject ReadParams(WorkflowDefinition definition, JsonObject? given)
    {
        given ??= [];
        var resolved = RunParameters.Resolve(definition, given);
        if (!resolved.IsValid)
        {
            throw new ApiProblemException(ApiResponse.Problem(400, "Bad params", string.Join("; ", resolved.Errors) + "."));
        }
        return given;
    }

    private static DateTimeOffset ReadInstant(string text, string name)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at.ToUniversalTime();
        }
        throw new ApiProblemException(ApiResponse.Problem(400, $"Bad {name}", $"'{name}' must be an ISO-8601 instant, e.g. 2026-11-01T00:00:00Z."));
    }

    private static ApiResponse Accepted(string runId, string? retryOf = null)
    {
        return ApiResponse.Json(202, new RunAccepted(runId, retryOf), LoomJsonContext.Default.RunAccepted, new Dictionary<string, string> { ["Location"] = RunLocation(runId) });
    }

    private static string RunLocation(string runId) => $"/api/runs/{Uri.EscapeDataString(runId)}";


}
