using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Bench.Durable;
using Loom.Testing;

namespace Loom.Bench;

/// <summary>The benchmark's command line: options, Ctrl+C, the order of things, the output.</summary>
internal static class BenchProgram
{
    private const string Usage = """
        Loom benchmark: starts Azurite, the stub backend and the Loom server (child process), measures the floor, then runs workloads.
          dotnet run -c Release --project tests/Loom.Bench -- [--host server|durable|both] [--workload W1,W2,W3,W4,K1,S1,R1] [--runs SCALE] [--rounds N] [--durable-set NAME=VALUE] [--soak] [--server DLL]
            --host      server: the self-hosted server (default with --soak); durable: the Function App on the Durable
                        runtime (DurableTask.AzureStorage on its own Azurite) and, in the same run, a plain Durable
                        orchestration making the same calls (its floor), W1-W3 only; both (default): server, then durable
            --workload  which workloads (default: W1,W2,W3,W4); S1 is the store client alone against Azurite (CPU,
                        allocations and requests per store operation; no server); K1 is the kill -9 chaos: fan-out diamonds while the
                        server is killed with SIGKILL and restarted, 5 times (exit code 1 if a run is lost, stuck or
                        failed, or a task committed before a kill is called successfully again); R1 is retention's purge
                        of 1,000 expired runs on the Table stores alone (runs deleted/s, storage requests per run deleted)
            --runs      scale every workload's run count (default 1: 200, 100, 50, 5000 runs)
            --rounds    durable host: measured rounds per workload (default 2), each the baseline and Loom, each phase on a
                        fresh Azurite and Function App, the order alternating (baseline first in odd rounds); after an
                        unmeasured warm-up of both; the summary gives each round's Loom / baseline ratio and their median.
                        Server host: the selected workloads N times over in the same server process (default 1), so later
                        rounds show a warm server's figures (each line carries its round)
            --durable-set  durable host: overrides one of host.json's durableTask settings for both phases (repeatable),
                        e.g. partitionCount=1, controlQueueBatchSize=32, extendedSessionsEnabled=true,
                        maxConcurrentOrchestratorFunctions=32, maxConcurrentActivityFunctions=100, maxQueuePollingInterval=00:00:01
            --soak      repeat the workloads until Ctrl+C, each round ending with K1 at 20 kills
            --server    the Loom.Server.dll to run (default: functions/Loom.Server/bin/Release/net10.0), e.g. a published
                        build, or a copy of another commit's build to compare two commits in one session
        One JSON line per workload (and one for the floor) on stdout, also appended to artifacts/bench/results.jsonl; progress on stderr.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var selected = Workload.All.ToList();
        var chaos = false;
        var scale = 1.0;
        var soak = false;
        int? rounds = null;
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        var store = false;
        var retention = false;
        string? host = null;
        string? serverDll = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--workload" when i + 1 < args.Length:
                    var names = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var unknown = names.Where(n => !n.Equals("K1", StringComparison.OrdinalIgnoreCase) && !n.Equals("S1", StringComparison.OrdinalIgnoreCase) && !n.Equals("R1", StringComparison.OrdinalIgnoreCase)
                        && Workload.All.All(w => !w.Name.Equals(n, StringComparison.OrdinalIgnoreCase))).ToList();
                    if (unknown.Count > 0) return Fail($"Unknown workload(s): {string.Join(", ", unknown)}; choose from W1, W2, W3, W4, K1, S1, R1.");
                    selected = [.. Workload.All.Where(w => names.Contains(w.Name, StringComparer.OrdinalIgnoreCase))];
                    chaos = names.Contains("K1", StringComparer.OrdinalIgnoreCase);
                    store = names.Contains("S1", StringComparer.OrdinalIgnoreCase);
                    retention = names.Contains("R1", StringComparer.OrdinalIgnoreCase);
                    break;
                case "--runs" when i + 1 < args.Length:
                    if (!double.TryParse(args[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out scale) || scale <= 0 || scale > 100)
                    {
                        return Fail($"--runs takes a scale factor between 0 and 100, e.g. 0.1 or 2; got '{args[i]}'.");
                    }
                    break;
                case "--host" when i + 1 < args.Length:
                    host = args[++i].ToLowerInvariant();
                    if (host is not ("server" or "durable" or "both")) return Fail($"--host takes server, durable or both; got '{args[i]}'.");
                    break;
                case "--rounds" when i + 1 < args.Length:
                    if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var parsedRounds) || parsedRounds is < 1 or > 20)
                    {
                        return Fail($"--rounds takes a whole number from 1 to 20; got '{args[i]}'.");
                    }

                    rounds = parsedRounds;
                    break;
                case "--durable-set" when i + 1 < args.Length:
                    var setting = args[++i].Split('=', 2);
                    if (setting.Length != 2 || !DurableSettingOverrides.Known.Contains(setting[0]))
                    {
                        return Fail($"--durable-set takes NAME=VALUE with NAME one of {string.Join(", ", DurableSettingOverrides.Known)}; got '{args[i]}'.");
                    }
                    overrides[setting[0]] = setting[1];
                    break;
                case "--soak":
                    soak = true;
                    break;
                case "--server" when i + 1 < args.Length:
                    serverDll = args[++i];
                    if (!File.Exists(serverDll)) return Fail($"--server: {serverDll} does not exist.");
                    break;
                case "--help" or "-h":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    return Fail($"Unknown or incomplete option '{args[i]}'.");
            }
        }

        if (DurableSettingOverrides.Check(overrides) is { } badSetting) return Fail(badSetting);
        host ??= soak || chaos ? "server" : "both";
        var onServer = host is "server" or "both";
        var onDurable = host is "durable" or "both";
        if (onDurable && (soak || (chaos && !onServer))) return Fail("--soak and K1 run on the server host only.");

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
                if (selected.Count == 0 && !chaos && !soak && !retention) return 0;
            }

            if (retention)
            {
                Console.Error.WriteLine("bench: R1: retention's purge of expired runs on the Table stores (runs deleted/s, requests per run)");
                Emit(await RetentionBench.RunAsync(scale, stop.Token), results);
                if (selected.Count == 0 && !chaos && !soak) return 0;
            }

            env = await BenchEnvironment.StartAsync(root, stop.Token, startServer: onServer, serverDll);
            Console.Error.WriteLine("bench: measuring the floor (queue, table, HTTP; ~15 s)");
            var floor = await Floor.MeasureAsync(env, stop.Token);
            Emit(Figures.FloorLine(floor), results);

            var violations = onServer && await RunServerAsync(env, selected, scale, chaos, soak, rounds ?? 1, results, floor, stop.Token);
            if (onDurable) await DurableHost.RunAsync(env, selected, scale, rounds ?? 2, overrides, results, stop.Token);
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

    /// <summary>The self-hosted server's workloads (and K1, soak rounds); true when K1 found a violation.</summary>
    private static async Task<bool> RunServerAsync(BenchEnvironment env, IReadOnlyList<Workload> selected, double scale, bool chaos, bool soak, int rounds,
        string results, FloorFigures floor, CancellationToken stop)
    {
        using var client = new BenchApiClient(env.ServerUrl, env.AdminKey);
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
                var line = await runner.RunAsync(workload, scale, round, stop);
                Figures.AddRatios(line, floor);
                line["host"] = "server";
                line["round"] = round;
                Emit(line, results);
            }
            if (chaos || soak)
            {
                var kills = soak ? 20 : 5;
                Console.Error.WriteLine($"bench: K1 (round {round}): {kills} kills with SIGKILL during fan-out runs");
                var (line, passed) = await killChaos.RunAsync(kills, seed: 20261122 + round, round, stop);
                line["round"] = round;
                Emit(line, results);
                if (!passed)
                {
                    violations = true;
                    Console.Error.WriteLine("bench: K1 FAILED: a run was lost, stuck or failed, or a task committed before a kill was called successfully again; see the line above and artifacts/bench/server.log");
                }
            }
        }
        while ((soak || round < rounds) && !stop.IsCancellationRequested);
        return violations;
    }

    internal static void Emit(JsonObject line, string path)
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
