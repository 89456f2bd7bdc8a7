using System.Diagnostics;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Loom.Core.Stores;
using Loom.Storage;
using Loom.Testing;

namespace Loom.Bench;

/// <summary>
/// S1: the store client alone against Azurite, on the server's hot path (create a run with its first event, commit task outcomes
/// with their events and attempt rows, put an attempt, finish the run, read it back), to measure the client's CPU and
/// allocations per store operation without the server, the stub backend or HTTP in the way.
/// </summary>
/// <remarks>
/// Azurite runs in its own process, so this process's CPU time is the client's. One operation in flight, so per-operation CPU is
/// not blurred by contention; allocations are counted over all threads (async continuations hop between them).
/// </remarks>
internal static class StoreBench
{
    private const int TasksPerRun = 4;

    // Store calls per run: create, one commit per task, one attempt put per task, the final commit, one read.
    private const int OperationsPerRun = 1 + TasksPerRun + TasksPerRun + 1 + 1;

    public static async Task<JsonObject> RunAsync(double scale, CancellationToken cancellationToken)
    {
        await using var azurite = new AzuriteFixture();
        Console.Error.WriteLine("bench: S1 starting Azurite (in-memory)");
        await azurite.InitializeAsync();
        var counter = new StorageRequestCounter();

        // Built the way the server builds it (LoomServerBuilder): a connection string, fresh options with the counter.
        var storage = LoomStorageAccount.Create(azurite.ConnectionString, "s1bench", counter.AddTo(new TableClientOptions()));
        var state = StateOfSize(6 * 1024);

        // Warm-up: JIT, the table's creation, connections.
        for (var i = 0; i < 30; i++) await RunOnceAsync(storage, $"warm-{i}", state, cancellationToken);

        var runs = Math.Max(10, (int)(300 * scale));
        using var sampler = new AllocationSampler();
        counter.Reset();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var gen0Before = GC.CollectionCount(0);
        var clock = Stopwatch.StartNew();
        sampler.Start();
        for (var i = 0; i < runs; i++) await RunOnceAsync(storage, $"run-{i}", state, cancellationToken);
        sampler.Stop();
        clock.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var operations = (double)runs * OperationsPerRun;
        return new JsonObject
        {
            ["workload"] = "S1",
            ["runs"] = runs,
            ["store_ops"] = (long)operations,
            ["store_ops_per_s"] = Math.Round(operations / clock.Elapsed.TotalSeconds, 1),
            ["cpu_ms_per_op"] = Math.Round(cpu.TotalMilliseconds / operations, 3),
            ["alloc_kb_per_op"] = Math.Round(allocated / 1024.0 / operations, 2),
            ["gen0_per_1000_ops"] = Math.Round((GC.CollectionCount(0) - gen0Before) * 1000 / operations, 2),
            ["requests_per_op"] = Math.Round(counter.Total / operations, 3),
            ["alloc_top_types_percent"] = sampler.Top(12),
        };
    }

    private static async Task RunOnceAsync(LoomStorageAccount storage, string runId, string state, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var sequence = 0L;
        RunEventRecord Event(string type, string? task) =>
            new(runId, $"e{sequence}", sequence++, now, type, task, """{"detail":"bench","attempt":1}""");
        AttemptRecord Attempt(string task, string outcome) => new()
        {
            RunId = runId,
            TaskId = task,
            Attempt = 1,
            StartedAt = now,
            Duration = TimeSpan.FromMilliseconds(12),
            Outcome = outcome,
            StatusCode = 200,
            RequestSummary = "POST http://127.0.0.1:5000/api/tasks/" + task,
            Output = """{"ok":true,"value":42}""",
        };

        var run = await storage.Runs.CreateAsync(
            new RunRecord { RunId = runId, WorkflowId = "bench-wf", WorkflowVersion = 1, Status = "running", CreatedAt = now, State = state, Outbox = "[]" },
            new RunHistory([Event("RunStarted", null)], []), cancellationToken);
        for (var t = 0; t < TasksPerRun; t++)
        {
            var task = $"task{t}";
            await storage.Attempts.PutAsync(Attempt(task, "accepted"), cancellationToken);
            run = await storage.Runs.UpdateAsync(
                run with { State = state },
                new RunHistory([Event("TaskSucceeded", task), Event("TaskStarted", task)], [Attempt(task, "succeeded")]), cancellationToken);
        }

        run = await storage.Runs.UpdateAsync(
            run with { Status = "succeeded", FinishedAt = now, Outbox = "" }, new RunHistory([Event("RunSucceeded", null)], []), cancellationToken);
        _ = await storage.Runs.GetAsync(runId, cancellationToken) ?? throw new InvalidOperationException($"Run {runId} was not stored.");
    }

    /// <summary>A JSON-like state string of about <paramref name="chars"/> characters, the engine's snapshot's shape.</summary>
    private static string StateOfSize(int chars)
    {
        var builder = new System.Text.StringBuilder("{\"tasks\":[");
        for (var i = 0; builder.Length < chars; i++)
        {
            builder.Append("{\"id\":\"task").Append(i).Append("\",\"status\":\"succeeded\",\"attempt\":1,\"output\":{\"ok\":true}},");
        }

        builder.Append("{}]}");
        return builder.ToString();
    }
}
