using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Scheduling;
using Loom.Core.Stores;

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

        return Task.FromResult(ApiResponse.Ok(new JsonObject
        {
            ["valid"] = result.IsValid,
            ["id"] = result.Definition?.Id,
            ["errorCount"] = result.ErrorCount,
            ["errors"] = ErrorsJson(result.Errors),
            ["warnings"] = WarningsJson(result.Definition),
        }));
    }

    public async Task<ApiResponse> RegisterAsync(RouteContext context)
    {
        var source = SourceText(context.Request);
        var result = WorkflowParser.Parse(source);
        if (result.TooLarge)
        {
            return TooLarge(result);
        }
        if (!result.IsValid)
        {
            return ApiResponse.Problem(400, "Invalid workflow", ErrorSummary(result), ErrorsJson(result.Errors));
        }
        var definition = result.Definition!;
        var outcome = await services.Workflows.Store.RegisterAsync(definition.Id, WorkflowSource.ContentHash(source), source, services.Clock.GetUtcNow(), context.CancellationToken);
        services.Workflows.Remember(definition, outcome.Version, source.Length);
        var body = new JsonObject { ["id"] = definition.Id, ["version"] = outcome.Version, ["created"] = outcome.Created, ["warnings"] = WarningsJson(definition) };
        return outcome.Created
            ? ApiResponse.Json(201, body, new Dictionary<string, string> { ["Location"] = $"/api/workflows/{Uri.EscapeDataString(definition.Id)}" })
            : ApiResponse.Ok(body);
    }

    public async Task<ApiResponse> ListAsync(RouteContext context)
    {
        var now = services.Clock.GetUtcNow();
        var items = new JsonArray();
        foreach (var head in await services.Workflows.Store.ListHeadsAsync(false, context.CancellationToken))
        {
            var definition = await services.Workflows.GetAsync(head.WorkflowId, head.CurrentVersion, context.CancellationToken);
            if (definition is null) continue;
            var lastRun = await services.Runs.ListAsync(new RunQuery(WorkflowId: head.WorkflowId, Limit: 1), context.CancellationToken);
            var summary = Summary(head, definition, now, 1);
            summary["lastRun"] = lastRun.Items.Count == 0 ? null : RunViews.Summary(lastRun.Items[0]);
            items.Add(summary);
        }
        return ApiResponse.Ok(new JsonObject { ["items"] = items });
    }

    public async Task<ApiResponse> GetAsync(RouteContext context)
    {
        var (head, definition) = await RequireCurrentAsync(context);
        var body = Summary(head, definition, services.Clock.GetUtcNow(), 5);
        var source = await services.Workflows.Store.GetVersionAsync(head.WorkflowId, head.CurrentVersion, context.CancellationToken);
        body["source"] = source?.Source;
        body["definition"] = DefinitionViews.ToJson(definition);
        if (await services.SchedulerStates.GetBackfillAsync(head.WorkflowId, context.CancellationToken) is { } backfill)
        {
            body["backfill"] = new JsonObject { ["queued"] = backfill.Pending.Count, ["active"] = backfill.Active.Count, ["maxConcurrent"] = backfill.MaxConcurrent };
        }
        return ApiResponse.Ok(body);
    }

    public async Task<ApiResponse> ListVersionsAsync(RouteContext context)
    {
        var id = context["id"];
        var versions = await services.Workflows.Store.ListVersionsAsync(id, context.CancellationToken);
        if (versions.Count == 0) return NotFound(id);
        var items = new JsonArray();
        foreach (var v in versions)
        {
            items.Add(new JsonObject { ["version"] = v.Version, ["contentHash"] = v.ContentHash, ["createdAt"] = v.CreatedAt });
        }
        return ApiResponse.Ok(new JsonObject { ["id"] = id, ["items"] = items });
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
        return ApiResponse.Ok(new JsonObject
        {
            ["id"] = id,
            ["version"] = version.Version,
            ["contentHash"] = version.ContentHash,
            ["createdAt"] = version.CreatedAt,
            ["source"] = version.Source,
        });
    }

    public async Task<ApiResponse> DeleteAsync(RouteContext context)
    {
        var id = context["id"];
        if (!await services.Workflows.Store.DeleteAsync(id, services.Clock.GetUtcNow(), context.CancellationToken)) return NotFound(id);
        // A deleted workflow starts nothing more, so a backfill under way is dropped (its runs finish on their own).
        await services.SchedulerStates.TryDeleteBackfillAsync(id, null, context.CancellationToken);
        return ApiResponse.Ok(new JsonObject { ["id"] = id, ["deleted"] = true });
    }

    public async Task<ApiResponse> SetPausedAsync(RouteContext context, bool paused)
    {
        var (head, _) = await RequireCurrentAsync(context);
        await services.Workflows.Store.SetPausedAsync(head.WorkflowId, paused, services.Clock.GetUtcNow(), context.CancellationToken);
        return ApiResponse.Ok(new JsonObject { ["id"] = head.WorkflowId, ["paused"] = paused });
    }

    internal async Task<(WorkflowHead Head, WorkflowDefinition Definition)> RequireCurrentAsync(RouteContext context)
    {
        var id = context["id"];
        return await services.Workflows.GetCurrentAsync(id, context.CancellationToken)
            ?? throw new ApiProblemException(NotFound(id));
    }

    internal static ApiResponse NotFound(string id) => ApiResponse.Problem(404, "Not found", $"No workflow with id '{id}'.");

    private static ParseResult Parse(ApiRequest request) => WorkflowParser.Parse(SourceText(request));

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

    private JsonArray WarningsJson(WorkflowDefinition? definition) =>
        definition is null ? [] : new JsonArray([.. WorkflowWarnings.For(definition, services.Secrets).Select(w => (JsonNode?)JsonValue.Create(w))]);

    /// <summary>413: the source breaks a size limit (bytes, or what its aliases expand to), so it was not read further.</summary>
    private static ApiResponse TooLarge(ParseResult result) =>
        ApiResponse.Problem(413, "Workflow too large", ErrorSummary(result), ErrorsJson(result.Errors));

    private static string ErrorSummary(ParseResult result) => result.ErrorCount > ValidationErrorList.MaxListed
        ? string.Create(CultureInfo.InvariantCulture, $"The workflow has {result.ErrorCount:N0} error(s); the first {ValidationErrorList.MaxListed} are listed.")
        : $"The workflow has {result.ErrorCount} error(s).";

    internal static JsonArray ErrorsJson(IReadOnlyList<ValidationError> errors)
    {
        var array = new JsonArray();
        foreach (var e in errors)
        {
            array.Add(new JsonObject { ["line"] = e.Line, ["column"] = e.Column, ["message"] = e.Message, ["path"] = e.Path });
        }
        return array;
    }

    private static JsonObject Summary(WorkflowHead head, WorkflowDefinition definition, DateTimeOffset now, int fireTimes)
    {
        var body = new JsonObject
        {
            ["id"] = head.WorkflowId,
            ["name"] = definition.Name ?? definition.Id,
            ["description"] = definition.Description,
            ["version"] = head.CurrentVersion,
            ["paused"] = head.Paused,
            ["updatedAt"] = head.UpdatedAt,
            ["tags"] = new JsonArray(definition.Tags.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            ["taskCount"] = definition.Tasks.Count,
        };
        if (definition.Schedule is { } schedule)
        {
            var next = new JsonArray();
            if (!head.Paused && CronSchedule.TryParse(schedule.Cron, schedule.Timezone, out var cron, out _) && cron is not null)
            {
                foreach (var at in cron.GetNext(now, fireTimes).Where(t => schedule.End is null || t <= schedule.End))
                {
                    next.Add(at);
                }
            }
            body["schedule"] = new JsonObject
            {
                ["cron"] = schedule.Cron,
                ["timezone"] = schedule.Timezone,
                ["description"] = CronDescriber.Describe(schedule.Cron),
                ["catchup"] = schedule.Catchup.ToString().ToLowerInvariant(),
                ["concurrency"] = schedule.Concurrency.ToString().ToLowerInvariant(),
            };
            body["nextFireTimes"] = next;
            body["nextFireTime"] = next.Count > 0 ? next[0]!.DeepClone() : null;
        }
        else
        {
            body["schedule"] = null;
            body["nextFireTimes"] = new JsonArray();
            body["nextFireTime"] = null;
        }
        return body;
    }
}
