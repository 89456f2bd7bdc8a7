using System.Globalization;
using System.Text;
using Loom.Core.Api.Contracts;
using Loom.Core.Definitions;
using Loom.Core.Execution;
using Loom.Core.Scheduling;
using Loom.Core.Stores;
using Loom.Core.Triggers;

namespace Loom.Core.Api;

/// <summary>Handlers of the /api/workflows routes.</summary>
internal sealed class WorkflowHandlers(ApiServices services)
{
    public Task<ApiResponse> ValidateAsync(RouteContext context)
    {
        var result = Parse(context.Request);
        if (result.TooLarge)
        {
            return Task.FromResult(TooLarge(result));
        }

        return Task.FromResult(ApiResponse.Ok(
            new WorkflowValidation(result.IsValid, result.Definition?.Id, result.ErrorCount, Errors(result.Errors), Warnings(result.Definition)),
            LoomJsonContext.Default.WorkflowValidation));
    }

    public async Task<ApiResponse> RegisterAsync(RouteContext context)
    {
        var source = SourceText(context.Request);
        var result = WorkflowParser.Parse(source, NotifyUrlGuard.AlwaysRefused);
        if (result.TooLarge)
        {
            return TooLarge(result);
        }
        if (!result.IsValid)
        {
            return ApiResponse.Problem(400, "Invalid workflow", ErrorSummary(result), Errors(result.Errors));
        }
        var definition = result.Definition!;
        if (await QueueClaims.FindTakenAsync(services.Workflows, definition, context.CancellationToken) is { } taken)
        {
            return ApiResponse.Problem(409, "Queue taken",
                $"Queue '{taken.Queue}' is declared by workflow '{taken.WorkflowId}': a queue starts one workflow. Give '{definition.Id}' its own queue, or remove the trigger from '{taken.WorkflowId}' first.");
        }

        var outcome = await services.Workflows.Store.RegisterAsync(definition.Id, WorkflowSource.ContentHash(source), source, services.Clock.GetUtcNow(), context.CancellationToken);
        services.Workflows.Remember(definition, outcome.Version, source.Length);
        if (outcome.Created) await AuditTrail.RecordAsync(services, context, definition.Id, "register", detail: $"version {outcome.Version}");
        var body = new WorkflowRegistered(definition.Id, outcome.Version, outcome.Created, Warnings(definition));
        return ApiResponse.Json(outcome.Created ? 201 : 200, body, LoomJsonContext.Default.WorkflowRegistered, outcome.Created
            ? new Dictionary<string, string> { ["Location"] = $"/api/workflows/{Uri.EscapeDataString(definition.Id)}" }
            : null);
    }

    public async Task<ApiResponse> ListAsync(RouteContext context)
    {
        var now = services.Clock.GetUtcNow();
        var items = new List<WorkflowSummary>();
        foreach (var head in await services.Workflows.Store.ListHeadsAsync(false, context.CancellationToken))
        {
            var definition = await services.Workflows.GetAsync(head.WorkflowId, head.CurrentVersion, context.CancellationToken);
            if (definition is null) continue;
            var lastRun = await services.Runs.ListAsync(new RunQuery(WorkflowId: head.WorkflowId, Limit: 1), context.CancellationToken);
            var (schedule, next) = Schedule(head, definition, now, 1);
            items.Add(new WorkflowSummary(
                head.WorkflowId, definition.Name ?? definition.Id, definition.Description, head.CurrentVersion, head.Paused, head.UpdatedAt, [.. definition.Tags],
                definition.Tasks.Count, schedule, next, next.Count > 0 ? next[0] : null, lastRun.Items.Count == 0 ? null : RunViews.Summary(lastRun.Items[0])));
        }
        return ApiResponse.Ok(new WorkflowList(items), LoomJsonContext.Default.WorkflowList);
    }

    public async Task<ApiResponse> GetAsync(RouteContext context)
    {
        var (head, definition) = await RequireCurrentAsync(context);
        var (schedule, next) = Schedule(head, definition, services.Clock.GetUtcNow(), 5);
        var source = await services.Workflows.Store.GetVersionAsync(head.WorkflowId, head.CurrentVersion, context.CancellationToken);
        var backfill = await services.SchedulerStates.GetBackfillAsync(head.WorkflowId, context.CancellationToken);
        return ApiResponse.Ok(new WorkflowDetail(
            head.WorkflowId, definition.Name ?? definition.Id, definition.Description, head.CurrentVersion, head.Paused, head.UpdatedAt, [.. definition.Tags],
            definition.Tasks.Count, schedule, next, next.Count > 0 ? next[0] : null, source?.Source, DefinitionViews.For(definition),
            backfill is null ? null : new BackfillProgress(backfill.Pending.Count, backfill.Active.Count, backfill.MaxConcurrent),
            await new WebhookHandlers(services).ViewAsync(context, definition)),
            LoomJsonContext.Default.WorkflowDetail);
    }

    public async Task<ApiResponse> ListVersionsAsync(RouteContext context)
    {
        var id = context["id"];
        var versions = await services.Workflows.Store.ListVersionsAsync(id, context.CancellationToken);
        if (versions.Count == 0) return NotFound(id);
        var items = versions.Select(v => new WorkflowVersionSummary(v.Version, v.ContentHash, v.CreatedAt)).ToList();
        return ApiResponse.Ok(new WorkflowVersionList(id, items), LoomJsonContext.Default.WorkflowVersionList);
    }

    public async Task<ApiResponse> GetVersionAsync(RouteContext context)
    {
        var id = context["id"];
        if (!int.TryParse(context["version"], NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            return ApiResponse.Problem(400, "Bad version", $"'{context["version"]}' is not a version number (1, 2, ...).");
        }
        var version = await services.Workflows.Store.GetVersionAsync(id, number, context.CancellationToken);
        if (version is null) return ApiResponse.Problem(404, "Not found", $"Workflow '{id}' has no version {number}.");
        return ApiResponse.Ok(new WorkflowVersionSource(id, version.Version, version.ContentHash, version.CreatedAt, version.Source), LoomJsonContext.Default.WorkflowVersionSource);
    }

    public async Task<ApiResponse> DeleteAsync(RouteContext context)
    {
        var id = context["id"];
        if (!await services.Workflows.Store.DeleteAsync(id, services.Clock.GetUtcNow(), context.CancellationToken)) return NotFound(id);
        await AuditTrail.RecordAsync(services, context, id, "delete");
        // A deleted workflow starts nothing more, so a backfill under way is dropped (its runs finish on their own).
        await services.SchedulerStates.TryDeleteBackfillAsync(id, null, context.CancellationToken);
        return ApiResponse.Ok(new WorkflowDeleted(id, true), LoomJsonContext.Default.WorkflowDeleted);
    }

    public async Task<ApiResponse> SetPausedAsync(RouteContext context, bool paused)
    {
        var (head, _) = await RequireCurrentAsync(context);
        await services.Workflows.Store.SetPausedAsync(head.WorkflowId, paused, services.Clock.GetUtcNow(), context.CancellationToken);
        await AuditTrail.RecordAsync(services, context, head.WorkflowId, paused ? "pause" : "resume");
        return ApiResponse.Ok(new WorkflowPaused(head.WorkflowId, paused), LoomJsonContext.Default.WorkflowPaused);
    }

    internal async Task<(WorkflowHead Head, WorkflowDefinition Definition)> RequireCurrentAsync(RouteContext context)
    {
        var id = context["id"];
        return await services.Workflows.GetCurrentAsync(id, context.CancellationToken)
            ?? throw new ApiProblemException(NotFound(id));
    }

    internal static ApiResponse NotFound(string id) => ApiResponse.Problem(404, "Not found", $"No workflow with id '{id}'.");

    private static ParseResult Parse(ApiRequest request) => WorkflowParser.Parse(SourceText(request), NotifyUrlGuard.AlwaysRefused);

    private static string SourceText(ApiRequest request)
    {
        string source;
        try
        {
            source = new UTF8Encoding(false, true).GetString(request.Body.Span);
        }
        catch (DecoderFallbackException)
        {
            throw new ApiProblemException(ApiResponse.Problem(400, "Bad encoding", "The workflow must be UTF-8 text."));
        }
        // YAML labelled as JSON, or flattened by curl -d: say how to send it rather than report parse errors in text nobody wrote.
        return WorkflowUpload.Check(request.ContentType, source) is { } mangled ? throw new ApiProblemException(mangled) : source;
    }

    private List<string> Warnings(WorkflowDefinition? definition) => definition is null ? [] : [.. WorkflowWarnings.For(definition, services.Secrets)];

    /// <summary>413: the source breaks a size limit (bytes, or what its aliases expand to), so it was not read further.</summary>
    private static ApiResponse TooLarge(ParseResult result) =>
        ApiResponse.Problem(413, "Workflow too large", ErrorSummary(result), Errors(result.Errors));

    private static string ErrorSummary(ParseResult result) => result.ErrorCount > ValidationErrorList.MaxListed
        ? string.Create(CultureInfo.InvariantCulture, $"The workflow has {result.ErrorCount:N0} error(s); the first {ValidationErrorList.MaxListed} are listed.")
        : $"The workflow has {result.ErrorCount} error(s).";

    internal static List<WorkflowError> Errors(IReadOnlyList<ValidationError> errors) => [.. errors.Select(e => new WorkflowError(e.Line, e.Column, e.Message, e.Path))];

    /// <summary>The schedule as shown and its next fire times (none while paused).</summary>
    private static (ScheduleView? Schedule, List<DateTimeOffset> Next) Schedule(WorkflowHead head, WorkflowDefinition definition, DateTimeOffset now, int fireTimes)
    {
        if (definition.Schedule is not { } schedule) return (null, []);
        var next = new List<DateTimeOffset>();
        if (!head.Paused && CronSchedule.TryParse(schedule.Cron, schedule.Timezone, out var cron, out _) && cron is not null)
        {
            next.AddRange(cron.GetNext(now, fireTimes).Where(t => schedule.End is null || t <= schedule.End));
        }
        return (new ScheduleView(schedule.Cron, schedule.Timezone, CronDescriber.Describe(schedule.Cron), schedule.Catchup, schedule.Concurrency), next);
    }
}
