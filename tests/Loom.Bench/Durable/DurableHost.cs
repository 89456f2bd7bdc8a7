using System.Globalization;
using System.Text.Json.Nodes;

namespace Loom.Bench.Durable;

/// <summary>The <c>--host durable</c> part of a bench run: per workload, the plain-Durable baseline, then Loom's Function App, then the ratio.</summary>
internal static class DurableHost
{
    public static async Task RunAsync(BenchEnvironment env, IReadOnlyList<Workload> selected, double scale, string results, CancellationToken cancellationToken)
    {
        var workloads = selected.Where(w => w.Mode != StartMode.Paced).ToList();
        if (workloads.Count < selected.Count) Console.Error.WriteLine("bench: durable: W4 (5,000 paced runs) is left out on the durable host; it runs W1-W3");
        if (workloads.Count == 0) return;

        await using var bench = await DurableBench.StartAsync(env);
        BenchProgram.Emit(await bench.MeasureIdleAsync(cancellationToken), results);
        var summary = new List<(JsonObject Baseline, JsonObject Loom)>();
        foreach (var workload in workloads)
        {
            // The baseline first: Azurite only grows during a run, so Loom never gets the emptier one.
            Console.Error.WriteLine($"bench: durable baseline {workload.Name}: {workload.Description}");
            var baseline = await bench.RunAsync(workload, scale, round: 1, baseline: true, cancellationToken);
            BenchProgram.Emit(baseline, results);
            Console.Error.WriteLine($"bench: durable {workload.Name}: {workload.Description}");
            var loom = await bench.RunAsync(workload, scale, round: 1, baseline: false, cancellationToken);
            loom["overBaseline"] = Ratios(loom, baseline);
            BenchProgram.Emit(loom, results);
            summary.Add((baseline, loom));
        }

        foreach (var row in Table(summary)) Console.Error.WriteLine(row);
    }

    private static JsonObject Ratios(JsonObject loom, JsonObject baseline)
    {
        var ratios = new JsonObject();
        void Ratio(string name, string field)
        {
            var over = baseline[field]?.GetValue<double>() ?? 0;
            if (over > 0 && loom[field]?.GetValue<double>() is { } value) ratios[name] = Math.Round(value / over, 3);
        }

        Ratio("tasksPerSecond", "tasksPerSecond");
        Ratio("perStepMsP50", "perStepMsP50");
        Ratio("retryGapMsP50", "retryGapMsP50");
        Ratio("durableStorageRequestsPerTask", "durableStorageRequestsPerTask");
        Ratio("activitiesPerTask", "activitiesPerTask");
        Ratio("orchestrationEpisodesPerRun", "orchestrationEpisodesPerRun");
        Ratio("azuriteCpuMsPerTask", "azuriteCpuMsPerTask");
        Ratio("dotnetCpuMsPerTask", "dotnetCpuMsPerTask");
        return ratios;
    }

    /// <summary>A small human table on stderr (the JSON lines on stdout are the record).</summary>
    private static IEnumerable<string> Table(List<(JsonObject Baseline, JsonObject Loom)> rows)
    {
        static string F(JsonObject o, string key) => o[key] is { } v ? v.ToJsonString() : "-";
        yield return "bench: durable summary (baseline = plain Durable orchestration, same calls, same backend)";
        yield return string.Create(CultureInfo.InvariantCulture,
            $"{"workload",-9}{"host",-18}{"tasks/s",9}{"step p50",10}{"retry p50",10}{"loom req/t",11}{"dur req/t",10}{"act/run",9}{"ep/run",8}{"azurite %",10}{"dotnet %",9}");
        foreach (var (baseline, loom) in rows)
        {
            foreach (var o in new[] { baseline, loom })
            {
                yield return string.Create(CultureInfo.InvariantCulture,
                    $"{F(o, "workload").Trim('"'),-9}{F(o, "host").Trim('"'),-18}{F(o, "tasksPerSecond"),9}{F(o, "perStepMsP50"),10}{F(o, "retryGapMsP50"),10}{F(o, "loomStorageRequestsPerTask"),11}{F(o, "durableStorageRequestsPerTask"),10}{F(o, "activitiesPerRun"),9}{F(o, "orchestrationEpisodesPerRun"),8}{F(o, "azuriteCpuPercentOfOneCore"),10}{F(o, "dotnetCpuPercentOfOneCore"),9}");
            }
            yield return string.Create(CultureInfo.InvariantCulture, $"{"",-9}{"Loom / baseline",-18}{F((JsonObject)loom["overBaseline"]!, "tasksPerSecond"),9}");
            if (loom["loomStorageRequestsByKindPerTask"] is JsonObject kinds)
            {
                yield return $"{"",-9}Loom's requests per task by kind: {string.Join(", ", kinds.Select(k => $"{k.Key} {k.Value?.ToJsonString()}"))}";
            }
        }
    }
}
