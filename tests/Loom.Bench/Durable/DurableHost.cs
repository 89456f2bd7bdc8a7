using System.Globalization;
using System.Text.Json.Nodes;

namespace Loom.Bench.Durable;

/// <summary>The <c>--host durable</c> part of a bench run: per workload, the plain-Durable baseline, then Loom's Function App, then the ratio.</summary>
internal static class DurableHost
{
    public static async Task RunAsync(BenchEnvironment env, IReadOnlyList<Workload> selected, double scale, int rounds, IReadOnlyDictionary<string, string> overrides, string results, CancellationToken cancellationToken)
    {
        var workloads = selected.Where(w => w.Mode != StartMode.Paced).ToList();
        if (workloads.Count < selected.Count) Console.Error.WriteLine("bench: durable: W4 (5,000 paced runs) is left out on the durable host; it runs W1-W3");
        if (workloads.Count == 0) return;

        var idleMeasured = false;
        var summary = new List<(JsonObject Baseline, JsonObject Loom)>();
        foreach (var workload in workloads)
        {
            for (var round = 1; round <= rounds; round++)
            {
                // Each phase on a fresh Azurite and Function App: nothing one phase leaves (rows, messages, Azurite's garbage
                // collection of the previous phase's queue messages) lands on the other. The order alternates between rounds.
                var baselineFirst = round % 2 == 1;
                JsonObject? baseline = null, loom = null;
                foreach (var isBaseline in baselineFirst ? new[] { true, false } : [false, true])
                {
                    await using var bench = await DurableBench.StartAsync(env, overrides);
                    if (!idleMeasured)
                    {
                        BenchProgram.Emit(await bench.MeasureIdleAsync(cancellationToken), results);
                        idleMeasured = true;

                        // A few runs of both, unmeasured, so neither measured phase pays the process's JIT warm-up.
                        Console.Error.WriteLine("bench: durable: warming up (a few runs of the baseline and of Loom, not measured)");
                        var warmUp = 10.0 / Math.Max(1, workload.Runs);
                        await bench.RunAsync(workload, warmUp, round: 0, baseline: true, cancellationToken);
                        await bench.RunAsync(workload, warmUp, round: 0, baseline: false, cancellationToken);
                    }

                    Console.Error.WriteLine($"bench: durable{(isBaseline ? " baseline" : "")} {workload.Name} (round {round}): {workload.Description}");
                    var line = await bench.RunAsync(workload, scale, round, isBaseline, cancellationToken);
                    if (isBaseline) baseline = line;
                    else loom = line;
                }

                loom!["overBaseline"] = Ratios(loom, baseline!);
                BenchProgram.Emit(baseline!, results);
                BenchProgram.Emit(loom, results);
                summary.Add((baseline!, loom));
            }
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
            $"{"workload",-9}{"round",-7}{"host",-18}{"tasks/s",9}{"step p50",10}{"retry p50",10}{"loom req/t",11}{"dur req/t",10}{"act/run",9}{"ep/run",8}{"azurite %",10}{"dotnet %",9}{"az frozen s",12}");
        foreach (var group in rows.GroupBy(r => F(r.Loom, "workload")).Where(g => g.Count() > 1))
        {
            var ratios = group.Select(r => r.Loom["overBaseline"]?["tasksPerSecond"]?.GetValue<double>() ?? 0).Order().ToList();
            var median = ratios.Count % 2 == 1 ? ratios[ratios.Count / 2] : (ratios[(ratios.Count / 2) - 1] + ratios[ratios.Count / 2]) / 2;
            yield return string.Create(CultureInfo.InvariantCulture,
                $"bench: durable {group.Key.Trim('"')}: Loom / baseline tasks/s over {ratios.Count} rounds: median {median:F3} (range {ratios[0]:F3}-{ratios[^1]:F3})");
        }

        foreach (var (baseline, loom) in rows)
        {
            foreach (var o in new[] { baseline, loom })
            {
                yield return string.Create(CultureInfo.InvariantCulture,
                    $"{F(o, "workload").Trim('"'),-9}{F(o, "round"),-7}{F(o, "host").Trim('"'),-18}{F(o, "tasksPerSecond"),9}{F(o, "perStepMsP50"),10}{F(o, "retryGapMsP50"),10}{F(o, "loomStorageRequestsPerTask"),11}{F(o, "durableStorageRequestsPerTask"),10}{F(o, "activitiesPerRun"),9}{F(o, "orchestrationEpisodesPerRun"),8}{F(o, "azuriteCpuPercentOfOneCore"),10}{F(o, "dotnetCpuPercentOfOneCore"),9}{F(o, "azuriteUnansweredSeconds"),12}");
            }
            yield return string.Create(CultureInfo.InvariantCulture, $"{"",-15}{"Loom / baseline",-18}{F((JsonObject)loom["overBaseline"]!, "tasksPerSecond"),9}   dotnet CPU per task {F((JsonObject)loom["overBaseline"]!, "dotnetCpuMsPerTask")}");
            if (loom["loomStorageRequestsByKindPerTask"] is JsonObject kinds)
            {
                yield return $"{"",-15}Loom's requests per task by kind: {string.Join(", ", kinds.Select(k => $"{k.Key} {k.Value?.ToJsonString()}"))}";
            }
        }
    }
}
