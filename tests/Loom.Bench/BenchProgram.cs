using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Testing;

namespace Loom.Bench;

/// <summary>The benchmark's command line: options, Ctrl+C, the order of things, the output.</summary>
internal static class BenchProgram
{
    private const string Usage = """
        Loom benchmark: starts Azurite, the stub backend and the Loom server (child process), measures the floor, then runs workloads.
          dotnet run -c Release --project tests/Loom.Bench -- [--workload W1,W2,W3,W4,K1,S1] [--runs SCALE] [--soak]
            --workload  which workloads (default: W1,W2,W3,W4); S1 is the store client alone against Azurite (CPU,
                        allocations and requests per store operation; no server); K1 is the kill -9 chaos: fan-out diamonds while the
                        server is killed with SIGKILL and restarted, 5 times (exit code 1 if a run is lost, stuck or
                        failed, or a task committed before a kill is called successfully again)
            --runs      scale every workload's run count (default 1: 200, 100, 50, 5000 runs)
            --soak      repeat the workloads until Ctrl+C, each round ending with K1 at 20 kills
        One JSON line per workload (and one for the floor) on stdout, also appended to artifacts/bench/results.jsonl; progress on stderr.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var selected = Workload.All.ToList();
        var chaos = false;
        var scale = 1.0;
        var soak = false;
        var store = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--workload" when i + 1 < args.Length:
                    var names = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var unknown = names.Where(n => !n.Equals("K1", StringComparison.OrdinalIgnoreCase) && !n.Equals("S1", StringComparison.OrdinalIgnoreCase)
                        && Workload.All.All(w => !w.Name.Equals(n, StringComparison.OrdinalIgnoreCase))).ToList();
                    if (unknown.Count > 0) return Fail($"Unknown workload(s): {string.Join(", ", unknown)}; choose from W1, W2, W3, W4, K1, S1.");
                    selected = [.. Workload.All.Where(w => names.Contains(w.Name, StringComparer.OrdinalIgnoreCase))];
                    chaos = names.Contains("K1", StringComparer.OrdinalIgnoreCase);
                    store = names.Contains("S1", StringComparer.OrdinalIgnoreCase);
                    break;
                case "--runs" when i + 1 < args.Length:
                    if (!double.TryParse(args[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out scale) || scale <= 0 || scale > 100)
                    {
                        return Fail($"--runs takes a scale factor between 0 and 100, e.g. 0.1 or 2; got '{args[i]}'.");
                    }
                    break;
                case "--soak":
                    soak = true;
                    break;
                case "--help" or "-h":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    return Fail($"Unknown or incomplete option '{args[i]}'.");
            }
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // Stop cleanly: the finally below stops the server, the stub and Azurite.
            e.Cancel = true;
            Console.Error.WriteLine("bench: stopping (Ctrl+C)");
            stop.Cancel();
        };

        var root = AzuriteFixture.FindRepositoryRoot();
        var results = Path.Combine(root, "artifacts", "bench", "results.jsonl");
        BenchEnvironment? env = null;
        try
        {
            if (store)
            {
                Console.Error.WriteLine("bench: S1: the store client alone (create, commits with history, attempt puts, read)");
                Emit(await StoreBench.RunAsync(scale, stop.Token), results);
                if (selected.Count == 0 && !chaos && !soak) return 0;
            }

            env = await BenchEnvironment.StartAsync(root, stop.Token);
            using var client = new LoomClient(env.ServerUrl, env.AdminKey);
            Console.Error.WriteLine("bench: measuring the floor (queue, table, HTTP; ~15 s)");
            var floor = await Floor.MeasureAsync(env, stop.Token);
            Emit(Figures.FloorLine(floor), results);

            var runner = new WorkloadRunner(env, client, TimeProvider.System);
            var killChaos = new KillChaos(env, client);
            var round = 0;
            var violations = false;
            do
            {
                round++;
                foreach (var workload in selected)
                {
                    Console.Error.WriteLine($"bench: {workload.Name} (round {round}): {workload.Description}");
                    var line = await runner.RunAsync(workload, scale, round, stop.Token);
                    Figures.AddRatios(line, floor);
                    line["round"] = round;
                    Emit(line, results);
                }
                if (chaos || soak)
                {
                    var kills = soak ? 20 : 5;
                    Console.Error.WriteLine($"bench: K1 (round {round}): {kills} kills with SIGKILL during fan-out runs");
                    var (line, passed) = await killChaos.RunAsync(kills, seed: 20261122 + round, round, stop.Token);
                    line["round"] = round;
                    Emit(line, results);
                    if (!passed)
                    {
                        violations = true;
                        Console.Error.WriteLine("bench: K1 FAILED: a run was lost, stuck or failed, or a task committed before a kill was called successfully again; see the line above and artifacts/bench/server.log");
                    }
                }
            }
            while (soak && !stop.IsCancellationRequested);
            return violations ? 1 : 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 130;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException)
        {
            return Fail(ex.Message);
        }
        finally
        {
            if (env is not null) await env.DisposeAsync();
        }
    }

    private static void Emit(JsonObject line, string path)
    {
        var text = line.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
        Console.WriteLine(text);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.AppendAllText(path, text + Environment.NewLine);
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"bench: {message}");
        return 2;
    }
}
