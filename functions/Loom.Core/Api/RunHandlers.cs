using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Loom.Core.Api.Contracts;
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
        var body = context.BodyObject();
        var overrides = ReadParams(definition, body["params"]);
        var now = services.Clock.GetUtcNow();
        var runId = RunIds.ForManual(definition.Id, now, RandomNumberGenerator.GetBytes(4));
        var state = RunStateMachine.Create(definition, head.CurrentVersion, runId, overrides, now, now);
        await services.Driver.StartAsync(definition, state, "manual", context.CancellationToken);
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
        var body = context.BodyObject();
        var from = ReadInstant(body, "from");
        var to = ReadInstant(body, "to");
        if (to < from) return ApiResponse.Problem(400, "Bad range", "'to' is before 'from'.");
        int? maxConcurrent = null;
        if (body["maxConcurrent"] is { } limit)
        {
            if (!(limit is JsonValue v && v.TryGetValue<int>(out var n) && n is >= 1 and <= 1000))
            {
                return ApiResponse.Problem(400, "Bad maxConcurrent", "maxConcurrent must be a whole number from 1 to 1000.");
            }
            maxConcurrent = n;
        }
        var overrides = ReadParams(definition, body["params"]);
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
        if (maxConcurrent is { } bound)
        {
            return await BoundedBackfillAsync(head, definition, overrides, occurrences, bound, context.CancellationToken);
        }
        var started = new List<string>();
        var existing = new List<string>();
        foreach (var at in occurrences)
        {
            var runId = RunIds.ForOccurrence(definition.Id, at);
            var state = RunStateMachine.Create(definition, head.CurrentVersion, runId, overrides, at, services.Clock.GetUtcNow());
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
        DateTimeOffset? since = null;
        if (r.QueryValue("since") is { } s)
        {
            if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return ApiResponse.Problem(400, "Bad since", $"'{s}' is not an ISO-8601 instant.");
            }
            since = parsed;
        }
        var limit = 50;
        if (r.QueryValue("limit") is { } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            return ApiResponse.Problem(400, "Bad limit", "limit must be a whole number from 1 to 1000.");
        }
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

    public async Task<ApiResponse> EventsAsync(RouteContext context)
    {
        var runId = context["runId"];
        await RequireRunAsync(runId, context.CancellationToken);
        var items = (await services.Events.ListAsync(runId, context.CancellationToken)).Select(RunViews.Event).ToList();
        return ApiResponse.Ok(new RunEventList(runId, items), LoomJsonContext.Default.RunEventList);
    }

    public async Task<ApiResponse> AttemptsAsync(RouteContext context)
    {
        var runId = context["runId"];
        var taskId = context["taskId"];
        var (_, state) = await RequireRunAsync(runId, context.CancellationToken, live: true);
        if (!state.Tasks.TryGetValue(taskId, out var task))
        {
            return ApiResponse.Problem(404, "Not found", $"Run '{runId}' has no task '{taskId}'.");
        }
        var attempts = await services.Attempts.ListAsync(runId, taskId, context.CancellationToken);
        var events = RunViews.NeedsEvents(attempts, task) ? await services.Events.ListAsync(runId, context.CancellationToken) : null;
        var items = RunViews.Attempts(attempts, task, events);
        return ApiResponse.Ok(new AttemptList(runId, taskId, items), LoomJsonContext.Default.AttemptList);
    }

    public async Task<ApiResponse> CancelAsync(RouteContext context)
    {
        var runId = context["runId"];
        var (_, state) = await RequireRunAsync(runId, context.CancellationToken);
        if (RunStatuses.IsFinal(state.Status))
        {
            return ApiResponse.Problem(409, "Run already finished", $"Run '{runId}' already {Name(state.Status)}; there is nothing to cancel.");
        }
        var body = context.BodyObject();
        var reason = body["reason"] is JsonValue v && v.TryGetValue<string>(out var text) ? text : "cancelled through the API";
        await services.Driver.SendAsync(runId, new CancelRequested(reason, services.Clock.GetUtcNow()), context.CancellationToken);
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
        var retried = RunStateMachine.RetryFromFailed(definition, state, newRunId, now);
        await services.Driver.StartAsync(definition, retried, "retry", context.CancellationToken);
        return Accepted(newRunId, retryOf: runId);
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
    /// a body nested too deep to keep fails the task for good with the reason. Malformed JSON is a 400.
    /// </summary>
    internal static AttemptOutcome ReadCallbackOutcome(ReadOnlySpan<byte> body)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            return ReadCallbackOutcome(new JsonObject());
        }

        var parsed = JsonNesting.Parse(body, envelopeLevels: 1, "the callback's output");
        if (parsed.TooDeep)
        {
            return OutputLimit.Refuse(new AttemptOutcome { Kind = OutcomeKind.Succeeded }, parsed.Error!);
        }

        if (!parsed.Ok || parsed.Value is not JsonObject obj)
        {
            throw new ApiProblemException(ApiResponse.Problem(400, "Malformed JSON", parsed.Ok ? "The body must be a JSON object." : $"The body is not valid JSON: {parsed.Error}"));
        }

        return OutputLimit.Admit(ReadCallbackOutcome(obj), OutputLimit.DefaultMaxOutputBytes);
    }

    /// <summary>Maps a callback body <c>{status, output, message, retryable}</c> to an outcome; an empty body means success.</summary>
    internal static AttemptOutcome ReadCallbackOutcome(JsonObject body)
    {
        var status = body["status"] is JsonValue sv && sv.TryGetValue<string>(out var s) ? s.ToUpperInvariant() : "SUCCESS";
        var message = body["message"] is JsonValue mv && mv.TryGetValue<string>(out var m) ? m : null;
        bool? retryable = body["retryable"] is JsonValue rv && rv.TryGetValue<bool>(out var b) ? b : null;
        var output = body["output"]?.DeepClone();
        return status switch
        {
            "SUCCESS" or "SUCCEEDED" => new AttemptOutcome { Kind = OutcomeKind.Succeeded, Output = output, Message = message },
            "FAILED" or "FAILURE" => new AttemptOutcome { Kind = OutcomeKind.Failed, Failure = FailureClass.Reported, Retryable = retryable, Message = message ?? "the backend reported FAILED", Output = output },
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
    private async Task<RunState> WithLiveStatusAsync(RunState stored, CancellationToken cancellationToken) =>
        RunStatuses.IsFinal(stored.Status)
            ? stored
            : Orchestration.RunLiveStatus.Merge(stored, await services.Driver.GetLiveStatusAsync(stored.RunId, cancellationToken));

    private static JsonObject ReadParams(WorkflowDefinition definition, JsonNode? node)
    {
        if (node is not null and not JsonObject)
        {
            throw new ApiProblemException(ApiResponse.Problem(400, "Bad params", "params must be a JSON object of name: value."));
        }
        var given = (JsonObject?)node?.DeepClone() ?? [];
        var resolved = RunParameters.Resolve(definition, given);
        if (!resolved.IsValid)
        {
            throw new ApiProblemException(ApiResponse.Problem(400, "Bad params", string.Join("; ", resolved.Errors) + "."));
        }
        return given;
    }

    private static DateTimeOffset ReadInstant(JsonObject body, string name)
    {
        if (body[name] is JsonValue v && v.TryGetValue<string>(out var text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
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


    private static string Name(RunStatus status) => status.ToString().ToLowerInvariant();
}
