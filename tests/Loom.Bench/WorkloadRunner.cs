using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Loom.SampleBackend;

namespace Loom.Bench;

/// <summary>Runs one workload against the environment and turns what the stub saw and the server reported into figures.</summary>
internal sealed class WorkloadRunner(BenchEnvironment env, BenchApiClient client, TimeProvider clock)
{
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(120);

    public async Task<JsonObject> RunAsync(Workload workload, double scale, int round, CancellationToken cancellationToken)
    {
        var runs = Math.Max(1, (int)Math.Round(workload.Runs * scale));
        var workflowId = $"bench-{workload.Name.ToLowerInvariant()}-r{round}";
        await client.RegisterAsync(workload.Yaml(workflowId, env.BackendUrl), cancellationToken);
        env.Requests.Clear();

        var before = await client.DiagnosticsAsync(cancellationToken);
        var startedAt = clock.GetUtcNow();
        var watch = Stopwatch.StartNew();
        var runIds = new List<string>(runs);
        using var progressStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var progress = ProgressAsync(workload.Name, runs, before.RunsFinished, watch, progressStop.Token);

        switch (workload.Mode)
        {
            case StartMode.AllAtOnce:
                runIds.AddRange(await Task.WhenAll(Enumerable.Range(0, runs).Select(_ => client.TriggerAsync(workflowId, cancellationToken))));
                break;
            case StartMode.Paced:
                var window = workload.StartWindow * scale;
                runIds.AddRange(await Task.WhenAll(Enumerable.Range(0, runs).Select(async i =>
                {
                    var due = window * i / runs - watch.Elapsed;
                    if (due > TimeSpan.Zero) await Task.Delay(due, cancellationToken);
                    return await client.TriggerAsync(workflowId, cancellationToken);
                })));
                break;
            case StartMode.Sequential:
                var last = workload.Shape[^1].Id;
                for (var i = 0; i < runs; i++)
                {
                    var runId = await client.TriggerAsync(workflowId, cancellationToken);
                    runIds.Add(runId);
                    // Watch the stub (free) until the run's last task is answered, then the server until the run's final commit.
                    await WaitUntilAsync(() => AnsweredSuccess(env.Requests, runId, last), TimeSpan.FromMilliseconds(1), cancellationToken);
                    var target = before.RunsFinished + i + 1;
                    await WaitUntilAsync(async () => (await client.DiagnosticsAsync(cancellationToken)).RunsFinished >= target, TimeSpan.FromMilliseconds(1), cancellationToken);
                }
                break;
        }

        // Wait for every run's final commit (the engine counts them; no storage reads), giving up after a long stall.
        Diagnostics after;
        var lastCount = -1L;
        var lastChange = watch.Elapsed;
        while (true)
        {
            after = await client.DiagnosticsAsync(cancellationToken);
            var finished = after.RunsFinished - before.RunsFinished;
            if (finished >= runs) break;
            if (finished != lastCount)
            {
                lastCount = finished;
                lastChange = watch.Elapsed;
            }
            else if (watch.Elapsed - lastChange > StallLimit)
            {
                Console.Error.WriteLine($"bench: {workload.Name} stalled at {finished}/{runs} finished runs; reporting what finished.");
                break;
            }
            await Task.Delay(10, cancellationToken);
        }
        await progressStop.CancelAsync();
        try
        {
            await progress;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        // Outside the measured window: read every run (status and server-side timings).
        var views = await ReadRunsAsync(runIds, cancellationToken);
        var requests = env.Requests.Items;
        var result = Figures.Compute(workload, runs, startedAt, views, requests, before, after);
        env.Requests.Clear();
        return result;
    }

    private async Task<IReadOnlyList<RunView>> ReadRunsAsync(IReadOnlyList<string> runIds, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(16);
        return await Task.WhenAll(runIds.Select(async id =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var run = await client.GetRunAsync(id, cancellationToken);
                return new RunView(
                    id,
                    run["status"]?.GetValue<string>() ?? "",
                    ParseTime(run["createdAt"]),
                    ParseTime(run["finishedAt"]));
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private static DateTimeOffset? ParseTime(JsonNode? node) =>
        node is null ? null : DateTimeOffset.Parse(node.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static bool AnsweredSuccess(RequestLog log, string runId, string taskId)
    {
        var items = log.Items;
        for (var i = items.Count - 1; i >= 0; i--)
        {
            var r = items[i];
            if (r.RunId == runId && r.TaskId == taskId && r.Status is >= 200 and < 300) return true;
        }
        return false;
    }

    private static Task WaitUntilAsync(Func<bool> condition, TimeSpan interval, CancellationToken cancellationToken) =>
        WaitUntilAsync(() => Task.FromResult(condition()), interval, cancellationToken);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan interval, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > StallLimit) throw new TimeoutException($"Waited {StallLimit.TotalSeconds} s for a run to finish.");
            await Task.Delay(interval, cancellationToken);
        }
    }

    private async Task ProgressAsync(string name, int runs, long finishedBefore, Stopwatch watch, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var d = await client.DiagnosticsAsync(cancellationToken);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench: {name} {watch.Elapsed.TotalSeconds,6:F1} s  runs finished {d.RunsFinished - finishedBefore}/{runs}  active {d.ActiveRuns}  server CPU {d.CpuSeconds:F1} s  peak {d.PeakWorkingSetBytes / 1048576.0:F0} MB"));
        }
    }
}

/// <summary>A run as the API reports it after the workload.</summary>
internal sealed record RunView(string RunId, string Status, DateTimeOffset? CreatedAt, DateTimeOffset? FinishedAt);
