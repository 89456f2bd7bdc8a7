using System.Globalization;
using Loom.Core.Api.Contracts;
using Loom.Core.Stores;

namespace Loom.Core.Api;

/// <summary>Handlers of the dead-letter routes (list, get, acknowledge) and of a workflow's audit log.</summary>
internal sealed class DeadLetterHandlers(ApiServices services)
{
    public async Task<ApiResponse> ListAsync(RouteContext context)
    {
        var r = context.Request;
        var since = ListingQuery.Since(r);
        var limit = ListingQuery.Limit(r);
        var query = new DeadLetterQuery(r.QueryValue("workflowId"), since, r.QueryValue("runId"), limit);
        KeyValuePair<string, string?>[] filters =
            [new("workflowId", query.WorkflowId), new("since", ContinuationTokens.Instant(since)), new("runId", query.RunId)];
        if (!ContinuationTokens.TryRedeem(filters, r.QueryValue("continuation"), out var storeToken, out var tokenError))
        {
            return ApiResponse.Problem(400, "Bad continuation", tokenError);
        }
        Page<DeadLetterRecord> page;
        try
        {
            page = await services.DeadLetters.ListAsync(query with { Continuation = storeToken }, context.CancellationToken);
        }
        catch (ArgumentException) when (storeToken is not null)
        {
            return ApiResponse.Problem(400, "Bad continuation", "continuation must be a token from a previous page of this listing.");
        }
        return ApiResponse.Ok(new DeadLetterList([.. page.Items.Select(View)], ContinuationTokens.Issue(filters, page.Continuation)), LoomJsonContext.Default.DeadLetterList);
    }

    public async Task<ApiResponse> GetAsync(RouteContext context)
    {
        var found = await services.DeadLetters.GetAsync(context["id"], context.CancellationToken);
        return found is null ? NotFound(context["id"]) : ApiResponse.Ok(View(found), LoomJsonContext.Default.DeadLetterView);
    }

    public async Task<ApiResponse> AcknowledgeAsync(RouteContext context)
    {
        var id = context["id"];
        var found = await services.DeadLetters.GetAsync(id, context.CancellationToken);
        if (found is null) return NotFound(id);
        if (found.AcknowledgedAt is null)
        {
            found = await services.DeadLetters.AcknowledgeAsync(id, context.Caller, services.Clock.GetUtcNow(), context.CancellationToken) ?? found;
            await AuditTrail.RecordAsync(services, context, found.WorkflowId, "ack", found.RunId, found.TaskId is { } task ? $"dead letter of task {task}" : "dead letter of the run");
        }
        return ApiResponse.Ok(View(found), LoomJsonContext.Default.DeadLetterView);
    }

    public async Task<ApiResponse> AuditAsync(RouteContext context)
    {
        var id = context["id"];
        if (await services.Workflows.Store.GetHeadAsync(id, context.CancellationToken) is null)
        {
            return ApiResponse.Problem(404, "Not found", $"No workflow with id '{id}'.");
        }
        var limit = ListingQuery.Limit(context.Request);
        KeyValuePair<string, string?>[] filters = [new("workflowId", id)];
        if (!ContinuationTokens.TryRedeem(filters, context.Request.QueryValue("continuation"), out var storeToken, out var tokenError))
        {
            return ApiResponse.Problem(400, "Bad continuation", tokenError);
        }
        Page<WorkflowAuditRecord> page;
        try
        {
            page = await services.Audit.ListAsync(id, limit, storeToken, context.CancellationToken);
        }
        catch (ArgumentException) when (storeToken is not null)
        {
            return ApiResponse.Problem(400, "Bad continuation", "continuation must be a token from a previous page of this listing.");
        }
        var items = page.Items.Select(e => new WorkflowAuditEntry(e.At, e.Action, e.By, e.RunId, e.Detail)).ToList();
        return ApiResponse.Ok(new WorkflowAuditList(id, items, ContinuationTokens.Issue(filters, page.Continuation)), LoomJsonContext.Default.WorkflowAuditList);
    }

    internal static DeadLetterView View(DeadLetterRecord d) =>
        new(d.Id, d.Kind, d.WorkflowId, d.RunId, d.TaskId, d.Attempt, d.Reason, d.FailedAt, d.AcknowledgedAt, d.AcknowledgedBy);

    private static ApiResponse NotFound(string id) => ApiResponse.Problem(404, "Not found", $"No dead letter with id '{id}'.");
}

/// <summary>Writes the workflow audit log: who did what, by the configured name of their key.</summary>
internal static class AuditTrail
{
    /// <summary>Appends one entry for the caller of <paramref name="context"/>.</summary>
    public static Task RecordAsync(ApiServices services, RouteContext context, string workflowId, string action, string? runId = null, string? detail = null) =>
        services.Audit.AppendAsync(new WorkflowAuditRecord(workflowId, services.Clock.GetUtcNow(), action, context.Caller, runId, detail), context.CancellationToken);
}

/// <summary>The query values every listing shares (<c>since</c>, <c>limit</c>), read the same way; a bad value is a 400.</summary>
internal static class ListingQuery
{
    /// <summary>The <c>since</c> instant, or null when not given.</summary>
    public static DateTimeOffset? Since(ApiRequest request)
    {
        if (request.QueryValue("since") is not { } s) return null;
        if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            throw new ApiProblemException(ApiResponse.Problem(400, "Bad since", $"'{s}' is not an ISO-8601 instant."));
        }
        return parsed;
    }

    /// <summary>The largest page size a listing serves.</summary>
    public const int MaxLimit = 1000;

    /// <summary>The page size: 1 to <see cref="MaxLimit"/>, <paramref name="defaultLimit"/> (50) when not given.</summary>
    public static int Limit(ApiRequest request, int defaultLimit = 50)
    {
        var limit = defaultLimit;
        if (request.QueryValue("limit") is { } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            throw new ApiProblemException(ApiResponse.Problem(400, "Bad limit", $"limit must be a whole number from 1 to {MaxLimit}."));
        }
        return limit;
    }

    /// <summary>The <c>offset</c> of a page: a whole number from 0 to <paramref name="max"/>, 0 when not given.</summary>
    public static int Offset(ApiRequest request, int max)
    {
        var offset = 0;
        if (request.QueryValue("offset") is { } o && (!int.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset > max))
        {
            throw new ApiProblemException(ApiResponse.Problem(400, "Bad offset", $"offset must be a whole number from 0 to {max}."));
        }
        return offset;
    }
}
