using System.Text.Json.Nodes;
using Loom.SampleBackend;

namespace Loom.Bench;

/// <summary>Turns one workload's raw observations into its JSON line, and puts the floor beside it.</summary>
internal static class Figures
{
    public static JsonObject Compute(Workload workload, int runs, DateTimeOffset startedAt, IReadOnlyList<RunView> views,
        IReadOnlyList<ReceivedRequest> requests, Diagnostics before, Diagnostics after)
    {
        var runSet = views.Select(v => v.RunId).ToHashSet(StringComparer.Ordinal);
        var mine = requests.Where(r => r.RunId is not null && runSet.Contains(r.RunId)).ToList();
        var tasks = runs * workload.TasksPerRun;
        var lastFinish = views.Where(v => v.FinishedAt is not null).Select(v => v.FinishedAt!.Value).DefaultIfEmpty(startedAt).Max();
        var wall = (lastFinish - startedAt).TotalSeconds;
        var latencies = views.Where(v => v.CreatedAt is not null && v.FinishedAt is not null)
            .Select(v => (v.FinishedAt!.Value - v.CreatedAt!.Value).TotalMilliseconds).ToList();

        // Arrival of each task's successful attempt, per run.
        var success = mine.Where(r => r.Status is >= 200 and < 300 && r.TaskId is not null)
            .GroupBy(r => (r.RunId!, r.TaskId!))
            .ToDictionary(g => g.Key, g => g.Min(r => r.ArrivedAt));
        var deps = workload.Shape.ToDictionary(s => s.Id, s => s.DependsOn, StringComparer.Ordinal);

        // Dispatch gap: a task's first arrival minus the successful arrival of the last of its dependencies.
        var dispatch = new List<double>();
        foreach (var r in mine.Where(r => r.Attempt == 1 && r.TaskId is not null))
        {
            if (!deps.TryGetValue(r.TaskId!, out var ds) || ds.Length == 0) continue;
            var arrivals = ds.Select(d => success.TryGetValue((r.RunId!, d), out var at) ? at : (DateTimeOffset?)null).ToList();
            if (arrivals.Any(a => a is null)) continue;
            dispatch.Add((r.ArrivedAt - arrivals.Max()!.Value).TotalMilliseconds);
        }

        // Retry gap: a failed attempt's arrival to the next attempt's arrival.
        var byAttempt = mine.Where(r => r.TaskId is not null).GroupBy(r => (r.RunId!, r.TaskId!, r.Attempt)).ToDictionary(g => g.Key, g => g.Min(r => r.ArrivedAt));
        var retryGaps = new List<double>();
        foreach (var r in mine.Where(r => r.Attempt > 1 && r.TaskId is not null))
        {
            if (byAttempt.TryGetValue((r.RunId!, r.TaskId!, r.Attempt - 1), out var previous)) retryGaps.Add((r.ArrivedAt - previous).TotalMilliseconds);
        }

        // Per step (chains): from one task's successful answer to the next task's arrival, i.e. what Loom adds per step.
        var steps = new List<double>();
        if (workload.IsChain)
        {
            foreach (var (id, ds) in workload.Shape.Where(s => s.DependsOn.Length == 1))
            {
                foreach (var runId in runSet)
                {
                    if (success.TryGetValue((runId, ds[0]), out var prev) && byAttempt.TryGetValue((runId, id, 1), out var next))
                    {
                        steps.Add((next - prev).TotalMilliseconds);
                    }
                }
            }
        }

        var duplicates = mine.Where(r => r.Status is >= 200 and < 300 && r.IdempotencyKey is not null)
            .GroupBy(r => r.IdempotencyKey!, StringComparer.Ordinal).Sum(g => g.Count() - 1);
        var failed = views.Count(v => v.Status != "succeeded");

        var line = new JsonObject
        {
            ["workload"] = workload.Name,
            ["description"] = workload.Description,
            ["runs"] = runs,
            ["tasks"] = tasks,
            ["failedRuns"] = failed,
            ["wallSeconds"] = Round(wall, 3),
            ["tasksPerSecond"] = Round(wall > 0 ? tasks / wall : 0, 1),
            ["runLatencyMsP50"] = Round(Percentile(latencies, 50), 1),
            ["runLatencyMsP95"] = Round(Percentile(latencies, 95), 1),
        };
        if (workload.IsChain && steps.Count > 0)
        {
            line["perStepMsP50"] = Round(Percentile(steps, 50), 2);
            line["perStepMsP95"] = Round(Percentile(steps, 95), 2);
        }
        line["dispatchGapMsP50"] = Round(Percentile(dispatch, 50), 2);
        line["dispatchGapMsP95"] = Round(Percentile(dispatch, 95), 2);
        if (retryGaps.Count > 0) line["retryGapMsP50"] = Round(Percentile(retryGaps, 50), 1);
        line["storageRequestsPerTask"] = Round((after.StorageRequests - before.StorageRequests) / (double)tasks, 2);
        line["duplicateSuccessfulCalls"] = duplicates;
        line["serverCpuMsPerTask"] = Round((after.CpuSeconds - before.CpuSeconds) * 1000 / tasks, 3);
        line["serverCpuSecondsPerTask"] = Round((after.CpuSeconds - before.CpuSeconds) / tasks, 6);
        if (after.AllocatedBytes > 0)
        {
            // The server's managed allocations (all threads): process-local, so much steadier under a shared machine's load than tasks/s.
            line["serverAllocatedKbPerTask"] = Round((after.AllocatedBytes - before.AllocatedBytes) / 1024.0 / tasks, 1);
        }

        line["peakServerMemoryMB"] = Round(after.PeakWorkingSetBytes / 1048576.0, 0);
        return line;
    }

    /// <summary>Adds Loom's figures over the floor's: how close Loom gets to what storage and HTTP alone can do.</summary>
    public static void AddRatios(JsonObject line, FloorFigures floor)
    {
        var ratios = new JsonObject();
        if (line["tasksPerSecond"]?.GetValue<double>() is { } tps)
        {
            ratios["tasksPerSecondOverTableMergesPerSecond16"] = Round(tps / floor.TableMergesPerSecond16, 3);
            ratios["tasksPerSecondOverQueueRoundTripsPerSecond16"] = Round(tps / floor.QueueRoundTripsPerSecond16, 3);
            ratios["tasksPerSecondOverHttpRequestsPerSecond16"] = Round(tps / floor.HttpRequestsPerSecond16, 3);
        }
        if (line["perStepMsP50"]?.GetValue<double>() is { } step)
        {
            ratios["perStepP50OverSequentialTableMergeMs"] = Round(step / (1000 / floor.TableMergesPerSecond), 2);
            ratios["perStepP50OverSequentialQueueRoundTripMs"] = Round(step / (1000 / floor.QueueRoundTripsPerSecond), 2);
        }
        if (line["retryGapMsP50"]?.GetValue<double>() is { } gap)
        {
            ratios["retryGapP50OverConfigured100Ms"] = Round(gap / 100, 2);
        }
        line["floorRatios"] = ratios;
    }

    public static JsonObject FloorLine(FloorFigures floor) => new()
    {
        ["floor"] = "tables on the same client as Loom (Azure.Data.Tables), queues on Azure.Storage.Queues, Azurite in-memory; stub backend over loopback",
        ["queueRoundTripsPerSecond"] = Round(floor.QueueRoundTripsPerSecond, 1),
        ["queueRoundTripsPerSecond16InFlight"] = Round(floor.QueueRoundTripsPerSecond16, 1),
        ["tableEtagMergesPerSecond"] = Round(floor.TableMergesPerSecond, 1),
        ["tableEtagMergesPerSecond16InFlight"] = Round(floor.TableMergesPerSecond16, 1),
        ["httpRequestsPerSecond"] = Round(floor.HttpRequestsPerSecond, 1),
        ["httpRequestsPerSecond16InFlight"] = Round(floor.HttpRequestsPerSecond16, 1),
    };

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return 0;
        values.Sort();
        var rank = (int)Math.Ceiling(p / 100 * values.Count) - 1;
        return values[Math.Clamp(rank, 0, values.Count - 1)];
    }

    private static double Round(double value, int digits) => double.IsFinite(value) ? Math.Round(value, digits) : 0;
}
