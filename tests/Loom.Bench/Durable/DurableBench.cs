using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;
using Loom.Functions.Tests.Hosting;
using Loom.Hosting;
using Loom.Storage;
using Loom.Testing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Loom.Bench.Durable;

/// <summary>
/// The serverless path under the benchmark: Loom's Function App on the Durable runtime (durabletask-dotnet worker over the
/// test host's gRPC sidecar) on DurableTask.AzureStorage with host.json's settings, on its own Azurite, hosted exactly as
/// tests/Loom.Functions.Tests hosts it; beside it, in the same worker, the plain-Durable <see cref="Baseline"/>.
/// </summary>
/// <remarks>
/// Storage requests are counted on the wire by <see cref="StorageRequestCounter"/> pipeline policies (per retry): Loom's on
/// the Table client the app's <c>LoomStorageAccount</c> is built with, Durable's on the blob, queue and table client options handed
/// to DurableTask.AzureStorage through its <see cref="StorageAccountClientProvider"/>.
/// </remarks>
internal sealed class DurableBench : IAsyncDisposable
{
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(120);

    private readonly BenchEnvironment _env;
    private readonly AzuriteFixture _azurite = new();
    private readonly DurableCounts _counts = new();
    private readonly StorageRequestCounter _loom = new();
    private readonly RequestKinds _loomKinds = new("bench");
    private readonly StorageRequestCounter _queues = new();
    private readonly StorageRequestCounter _tables = new();
    private readonly StorageRequestCounter _blobs = new();
    private readonly HttpClient _baselineHttp = new(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(30) };
    private FunctionAppHost? _app;
    private BenchApiClient? _client;

    private readonly IReadOnlyDictionary<string, string> _overrides;

    private DurableBench(BenchEnvironment env, IReadOnlyDictionary<string, string> overrides) => (_env, _overrides) = (env, overrides);

    public static async Task<DurableBench> StartAsync(BenchEnvironment env, IReadOnlyDictionary<string, string> overrides)
    {
        var bench = new DurableBench(env, overrides);
        try
        {
            await bench.StartAllAsync();
            return bench;
        }
        catch
        {
            await bench.DisposeAsync();
            throw;
        }
    }

    private async Task StartAllAsync()
    {
        Console.Error.WriteLine("bench: durable: starting its own Azurite (in-memory) and the Function App on DurableTask.AzureStorage");
        await _azurite.InitializeAsync();
        var connection = _azurite.ConnectionString;
        var pollingInterval = HostJsonSettings.DurableTask()["storageProvider"]?["maxQueuePollingInterval"]?.GetValue<string>();
        var backend = DurableBackends.AzureStorage(_azurite, "benchhub", settings =>
        {
            // host.json's settings as they are (the tests shorten the idle polling; a production app does not).
            if (pollingInterval is not null) settings.MaxQueuePollingInterval = TimeSpan.Parse(pollingInterval, CultureInfo.InvariantCulture);
            DurableSettingOverrides.Apply(settings, _overrides);
            // The bench's newer Storage SDKs default to service versions the pinned Azurite rejects; 2021-12-02 is what both speak.
            settings.StorageAccountClientProvider = new StorageAccountClientProvider(
                StorageServiceClientProvider.ForBlob(connection, Counted(new BlobClientOptions(BlobClientOptions.ServiceVersion.V2021_12_02), _blobs)),
                StorageServiceClientProvider.ForQueue(connection, Counted(new QueueClientOptions(QueueClientOptions.ServiceVersion.V2021_12_02), _queues)),
                StorageServiceClientProvider.ForTable(connection, Counted(new TableClientOptions(), _tables)));
        });
        _app = await FunctionAppHost.StartAsync(
            _azurite,
            async loggers => CountingBackend.Wrap((AzureStorageOrchestrationService)await backend(loggers), _counts),
            prefix: "bench",
            // The Function App's own store options (its host profile), over a counted client.
            services: s => s.AddSingleton(sp => LoomStorageAccount.Create(
                connection, LoomServiceCollectionExtensions.StoreOptions("bench", sp.GetRequiredService<LoomHostProfile>()), Counted(_loom.AddTo(new TableClientOptions()), _loomKinds))),
            tasks: registry => Baseline.Register(registry, _baselineHttp));
        _client = new BenchApiClient(_app.BaseUrl, FunctionAppHost.FunctionKey);
        Console.Error.WriteLine($"bench: durable: Function App on {_app.BaseUrl} (Azurite pid {_azurite.ProcessId})");
    }

    private static T Counted<T>(T options, HttpPipelinePolicy counter)
        where T : ClientOptions
    {
        options.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        return options;
    }

    /// <summary>Durable's storage requests per second while nothing runs (queue polling, lease renewals): a constant the per-task figures include.</summary>
    public async Task<JsonObject> MeasureIdleAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var before = DurableRequests();
        var watch = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        return new JsonObject
        {
            ["durable"] = "DurableTask.AzureStorage on its own Azurite (in-memory), host.json settings; the Function App and the baseline in this process",
            ["hostJson"] = JsonNode.Parse(HostJsonSettings.DurableTask().ToJsonString()),
            ["durableIdleStorageRequestsPerSecond"] = Math.Round((DurableRequests() - before) / watch.Elapsed.TotalSeconds, 1),
        };
    }

    /// <summary>Runs <paramref name="workload"/> through Loom's API (or, with <paramref name="baseline"/>, as the plain orchestration) and returns its line.</summary>
    public async Task<JsonObject> RunAsync(Workload workload, double scale, int round, bool baseline, CancellationToken cancellationToken)
    {
        var app = _app ?? throw new InvalidOperationException("Not started.");
        var client = _client!;
        var runs = Math.Max(1, (int)Math.Round(workload.Runs * scale));
        var workflowId = $"bench-{workload.Name.ToLowerInvariant()}-r{round}";
        if (!baseline) await client.RegisterAsync(workload.Yaml(workflowId, _env.BackendUrl), cancellationToken);
        _env.Requests.Clear();

        await using var probe = await AzuriteProbe.StartAsync(_azurite.ConnectionString, cancellationToken);
        var before = Snapshot();
        var startedAt = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var triggered = new List<(string RunId, DateTimeOffset At)>(runs);

        async Task<(string, DateTimeOffset)> StartOneAsync(int i)
        {
            var at = DateTimeOffset.UtcNow;
            if (!baseline) return (await client.TriggerAsync(workflowId, cancellationToken), at);
            var runId = string.Create(CultureInfo.InvariantCulture, $"base-{workload.Name.ToLowerInvariant()}-r{round}-{i}-{Guid.NewGuid():N}");
            await app.DurableClient.ScheduleNewOrchestrationInstanceAsync(
                Baseline.Orchestration, Baseline.Input(workload, runId, _env.BackendUrl), new StartOrchestrationOptions(runId), cancellationToken);
            return (runId, at);
        }

        switch (workload.Mode)
        {
            case StartMode.AllAtOnce:
                triggered.AddRange(await Task.WhenAll(Enumerable.Range(0, runs).Select(StartOneAsync)));
                break;
            case StartMode.Sequential:
                for (var i = 0; i < runs; i++)
                {
                    var one = await StartOneAsync(i);
                    triggered.Add(one);
                    await _counts.FinishedAsync(one.Item1).WaitAsync(StallLimit, cancellationToken);
                }
                break;
            default:
                throw new InvalidOperationException($"{workload.Name}: the durable host runs W1-W3 only.");
        }

        // Wait for every instance's final episode (seen where the sidecar completes it: no storage reads), up to a long stall.
        var lastCount = -1;
        var lastChange = watch.Elapsed;
        var progressAt = watch.Elapsed;
        while (true)
        {
            var finished = triggered.Count(t => _counts.IsFinished(t.RunId));
            if (finished >= runs) break;
            if (finished != lastCount) (lastCount, lastChange) = (finished, watch.Elapsed);
            else if (watch.Elapsed - lastChange > StallLimit)
            {
                Console.Error.WriteLine($"bench: durable {workload.Name} stalled at {finished}/{runs} finished runs; reporting what finished.");
                break;
            }
            if (watch.Elapsed - progressAt > TimeSpan.FromSeconds(2))
            {
                progressAt = watch.Elapsed;
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"bench: durable{(baseline ? " baseline" : "")} {workload.Name} {watch.Elapsed.TotalSeconds,6:F1} s  runs finished {finished}/{runs}  episodes {_counts.Episodes - before.Episodes}  activities {_counts.Activities.Values.Sum() - before.Activities.Values.Sum()}  queue {_queues.Total - before.Queues} table {_tables.Total - before.Tables} blob {_blobs.Total - before.Blobs} loom {_loom.Total - before.Loom}"));
            }
            await Task.Delay(10, cancellationToken);
        }
        var after = Snapshot();
        var (stalled, longest) = (probe.StalledSeconds, probe.LongestSeconds);

        // Outside the measured window: each run's status (Loom's API, or the instance's output for the baseline).
        var views = new List<RunView>(runs);
        foreach (var (runId, at) in triggered)
        {
            var done = _counts.IsFinished(runId) ? await _counts.FinishedAsync(runId) : (DateTimeOffset?)null;
            string status;
            if (baseline)
            {
                var instance = await app.DurableClient.GetInstanceAsync(runId, getInputsAndOutputs: true, cancellationToken);
                status = instance?.SerializedOutput is not null && instance.ReadOutputAs<bool>() ? "succeeded" : "failed";
            }
            else
            {
                status = (await client.GetRunAsync(runId, cancellationToken))["status"]?.GetValue<string>() ?? "";
            }
            views.Add(new RunView(runId, status, at, done));
        }

        var line = Figures.Compute(workload, runs, startedAt, views, _env.Requests.Items,
            new Diagnostics(before.DotnetCpu, 0, 0, 0, before.Loom, 0), new Diagnostics(after.DotnetCpu, Process.GetCurrentProcess().PeakWorkingSet64, 0, 0, after.Loom, 0));
        _env.Requests.Clear();
        var described = Describe(line, workload, runs, baseline, before, after);
        described["round"] = round;
        if (_overrides.Count > 0) described["durableSettings"] = new JsonObject(_overrides.Select(o => KeyValuePair.Create(o.Key, (JsonNode?)o.Value)));
        described["azuriteUnansweredSeconds"] = Round(stalled, 1);
        described["azuriteLongestWaitSeconds"] = Round(longest, 1);
        return described;
    }

    private static JsonObject Describe(JsonObject computed, Workload workload, int runs, bool baseline, Counters before, Counters after)
    {
        var tasks = (double)(runs * workload.TasksPerRun);
        var wall = computed["wallSeconds"]!.GetValue<double>();
        var line = new JsonObject
        {
            ["host"] = baseline ? "durable-baseline" : "durable",
        };
        foreach (var (key, value) in computed)
        {
            // The server's names for process figures do not fit here: the Function App runs in the bench process.
            if (key is "serverCpuMsPerTask" or "serverCpuSecondsPerTask" or "peakServerMemoryMB" or "storageRequestsPerTask") continue;
            line[key] = value?.DeepClone();
        }

        var activities = after.Activities.ToDictionary(a => a.Key, a => a.Value - before.Activities.GetValueOrDefault(a.Key), StringComparer.Ordinal);
        var durable = after.Durable - before.Durable;
        line["loomStorageRequestsPerTask"] = Round((after.Loom - before.Loom) / tasks, 2);
        line["loomStorageRequestsByKindPerTask"] = new JsonObject(after.LoomKinds
            .Select(k => (k.Key, Count: k.Value - before.LoomKinds.GetValueOrDefault(k.Key)))
            .Where(k => k.Count > 0).OrderByDescending(k => k.Count).ThenBy(k => k.Key, StringComparer.Ordinal)
            .Select(k => KeyValuePair.Create(k.Key, (JsonNode?)Round(k.Count / tasks, 3))));
        line["durableStorageRequestsPerTask"] = Round(durable / tasks, 2);
        line["durableStorageRequestsSplitPerTask"] = new JsonObject
        {
            ["queue"] = Round((after.Queues - before.Queues) / tasks, 2),
            ["table"] = Round((after.Tables - before.Tables) / tasks, 2),
            ["blob"] = Round((after.Blobs - before.Blobs) / tasks, 2),
        };
        line["activitiesPerRun"] = Round(activities.Values.Sum() / (double)runs, 2);
        line["activitiesPerTask"] = Round(activities.Values.Sum() / tasks, 2);
        line["activitiesByName"] = new JsonObject(activities.Where(a => a.Value > 0).OrderBy(a => a.Key, StringComparer.Ordinal)
            .Select(a => KeyValuePair.Create(a.Key, (JsonNode?)Round(a.Value / (double)runs, 2))));
        line["orchestrationEpisodesPerRun"] = Round((after.Episodes - before.Episodes) / (double)runs, 2);
        line["dotnetCpuMsPerTask"] = Round((after.DotnetCpu - before.DotnetCpu) * 1000 / tasks, 3);
        line["dotnetCpuPercentOfOneCore"] = Round(wall > 0 ? (after.DotnetCpu - before.DotnetCpu) / wall * 100 : 0, 0);
        line["azuriteCpuMsPerTask"] = Round((after.AzuriteCpu - before.AzuriteCpu) * 1000 / tasks, 3);
        line["azuriteCpuPercentOfOneCore"] = Round(wall > 0 ? (after.AzuriteCpu - before.AzuriteCpu) / wall * 100 : 0, 0);
        line["peakProcessMemoryMB"] = Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, 0);
        line["note"] = "dotnet CPU is the whole bench process: Function App, Durable worker and sidecar, stub backend, bench client";
        return line;
    }

    private long DurableRequests() => _queues.Total + _tables.Total + _blobs.Total;

    private Counters Snapshot()
    {
        double azuriteCpu = 0;
        if (_azurite.ProcessId is { } pid)
        {
            using var node = Process.GetProcessById(pid);
            azuriteCpu = node.TotalProcessorTime.TotalSeconds;
        }

        using var self = Process.GetCurrentProcess();
        return new Counters(_loom.Total, _loomKinds.Snapshot(), _queues.Total, _tables.Total, _blobs.Total, _counts.Episodes, _counts.Activities,
            self.TotalProcessorTime.TotalSeconds, azuriteCpu);
    }

    private static double Round(double value, int digits) => double.IsFinite(value) ? Math.Round(value, digits) : 0;

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        _baselineHttp.Dispose();
        await _azurite.DisposeAsync();
    }

    private sealed record Counters(long Loom, IReadOnlyDictionary<string, long> LoomKinds, long Queues, long Tables, long Blobs, long Episodes, IReadOnlyDictionary<string, long> Activities, double DotnetCpu, double AzuriteCpu)
    {
        public long Durable => Queues + Tables + Blobs;
    }
}
