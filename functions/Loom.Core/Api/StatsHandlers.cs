using System.Globalization;
using Loom.Core.Api.Contracts;
using Loom.Core.Statistics;

namespace Loom.Core.Api;

/// <summary>Handler of <c>GET /api/workflows/{id}/stats</c>: merges the workflow's hour buckets of the requested range (never the runs themselves).</summary>
internal sealed class StatsHandlers(ApiServices services)
{
    /// <summary>Slowest tasks listed without <c>top</c>.</summary>
    public const int DefaultTop = 5;

    /// <summary>Most tasks a caller may ask for (a bucket keeps figures for at most this many).</summary>
    public const int MaxTop = RunStatsBucket.MaxTasks;

    public async Task<ApiResponse> GetAsync(RouteContext context)
    {
        if (services.Stats is not { } store) return ApiResponse.Problem(501, "Statistics not available", "This host keeps no run statistics.");
        var now = services.Clock.GetUtcNow();
        if (StatsWindow.Resolve(context.Request.QueryValue("since"), now, out var problem) is not { } window)
        {
            return ApiResponse.Problem(400, "Bad since", problem);
        }
        var top = DefaultTop;
        if (context.Request.QueryValue("top") is { } topText
            && (!int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out top) || top is < 1 or > MaxTop))
        {
            return ApiResponse.Problem(400, "Bad top", $"top must be a whole number from 1 to {MaxTop}.");
        }
        var id = context["id"];
        if (await services.Workflows.GetCurrentAsync(id, context.CancellationToken) is null) return WorkflowHandlers.NotFound(id);

        var total = new RunStatsBucket(id, window.From);
        foreach (var bucket in await store.ListAsync(id, window.From, window.To, context.CancellationToken)) total.Merge(bucket);
        return ApiResponse.Ok(View(id, window, now, total, top), LoomJsonContext.Default.WorkflowStats);
    }

    /// <summary>The answer for merged buckets.</summary>
    internal static WorkflowStats View(string workflowId, StatsWindow window, DateTimeOffset now, RunStatsBucket total, int top)
    {
        var runs = total.Runs;
        var tasks = total.Tasks
            .Select(t => new TaskStatsView(t.Key, t.Value.Count, t.Value.Failed, t.Value.Retries, Ms(t.Value.Durations.Percentile(0.5)), Ms(t.Value.Durations.Percentile(0.95))))
            .OrderByDescending(t => t.P95Ms ?? 0).ThenBy(t => t.TaskId, StringComparer.Ordinal)
            .Take(top)
            .ToList();
        return new WorkflowStats(workflowId, window.From, now, runs, total.Succeeded, total.Failed, total.Cancelled,
            runs == 0 ? null : (double)total.Succeeded / runs,
            Ms(total.Durations.Percentile(0.5)), Ms(total.Durations.Percentile(0.95)),
            total.Retries, total.RetriedRuns, runs == 0 ? null : (double)total.Retries / runs,
            tasks, Math.Round(DurationHistogram.RelativeError, 4));
    }

    // A bucket's middle has many digits none of which means anything beyond the bucket's error.
    private static double? Ms(double? value) => value is { } v ? Math.Round(v, 1) : null;
}
