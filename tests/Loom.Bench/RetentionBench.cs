using System.Diagnostics;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Retention;
using Loom.Core.Stores;
using Loom.Storage;
using Loom.Testing;

namespace Loom.Bench;

/// <summary>
/// R1: retention's purge throughput on the Table stores against Azurite: finished runs the size of a W1 run (its events and
/// attempts; one in ten with a dead letter) are deleted by Core's sweep in its batches of 200, as the hosts' ticks run it back to
/// back; reports runs deleted per second and storage requests per run deleted (the Function App adds two Durable client calls
/// per run: read the instance, purge it).
/// </summary>
internal static class RetentionBench
{
    private const int TasksPerRun = 4;

    public static async Task<JsonObject> RunAsync(double scale, CancellationToken cancellationToken)
    {
        await using var azurite = new AzuriteFixture();
        Console.Error.WriteLine("bench: R1 starting Azurite (in-memory)");
        await azurite.InitializeAsync();
        var counter = new StorageRequestCounter();
        var storage = LoomStorageAccount.Create(azurite.ConnectionString, "r1bench", counter.AddTo(new TableClientOptions()));
        const string source = "id: r1\nretentionDays: 1\ntasks:\n  - id: a\n    url: https://example.com/a\n";
        await storage.Workflows.RegisterAsync("r1", "r1", source, DateTimeOffset.UtcNow, cancellationToken);
        var sweep = new RetentionSweep(new WorkflowCatalog(storage.Workflows), (IRunRetentionStore)storage.Runs, (IDeadLetterRetentionStore)storage.DeadLetters, 30);

        var runs = Math.Max(50, (int)(1000 * scale));
        var created = DateTimeOffset.UtcNow.AddDays(-10);
        Console.Error.WriteLine($"bench: R1 storing {runs} finished runs");
        await Parallel.ForAsync(0, runs, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, ct) => await StoreRunAsync(storage, $"r1-{i:D6}", created.AddSeconds(i), i % 10 == 0, ct));

        counter.Reset();
        var clock = Stopwatch.StartNew();
        var deleted = 0;
        var rows = 0;
        var sweeps = 0;
        while (true)
        {
            var result = await sweep.SweepAsync(DateTimeOffset.UtcNow, null, cancellationToken);
            sweeps++;
            deleted += result.Deleted.Count;
            rows += result.RowsDeleted;
            if (result.Deleted.Count == 0) break;
        }

        clock.Stop();
        if (deleted != runs) throw new InvalidOperationException($"R1 deleted {deleted} runs of {runs}.");
        return new JsonObject
        {
            ["workload"] = "R1",
            ["runs_deleted"] = deleted,
            ["rows_deleted"] = rows,
            ["sweeps"] = sweeps,
            ["runs_deleted_per_s"] = Math.Round(deleted / clock.Elapsed.TotalSeconds, 1),
            ["requests_per_run_deleted"] = Math.Round(counter.Total / (double)deleted, 2),
        };
    }

    private static async Task StoreRunAsync(LoomStorageAccount storage, string runId, DateTimeOffset created, bool deadLetter, CancellationToken cancellationToken)
    {
        var sequence = 0L;
        var events = new List<RunEventRecord> { new(runId, "start", sequence++, created, "RunStarted", null, "{}") };
        var attempts = new List<AttemptRecord>();
        for (var t = 0; t < TasksPerRun; t++)
        {
            var task = $"t{t}";
            events.Add(new(runId, $"{task}-started", sequence++, created, "TaskStarted", task, """{"attempt":1}"""));
            events.Add(new(runId, $"{task}-done", sequence++, created, "TaskSucceeded", task, """{"attempt":1}"""));
            attempts.Add(new AttemptRecord { RunId = runId, TaskId = task, Attempt = 1, StartedAt = created, Duration = TimeSpan.FromMilliseconds(20), Outcome = "succeeded", StatusCode = 200 });
        }

        events.Add(new(runId, "finish", sequence, created, "RunSucceeded", null, "{}"));
        await storage.Runs.CreateAsync(new RunRecord
        {
            RunId = runId, WorkflowId = "r1", WorkflowVersion = 1, Status = "succeeded", CreatedAt = created, FinishedAt = created.AddSeconds(1), State = "{}",
        }, new RunHistory(events, attempts), cancellationToken);
        if (deadLetter)
        {
            await storage.DeadLetters.AddAsync([new DeadLetterRecord(DeadLetters.Id(created, runId, "t0", 1), "task", "r1", runId, "t0", 1, "bench", created)], cancellationToken);
        }
    }
}
