using System.Diagnostics;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace Loom.Bench;

/// <summary>What this machine's storage and loopback HTTP can do at best, measured with the Azure SDKs (Loom's tables are on the same Azure.Data.Tables client).</summary>
internal sealed record FloorFigures(
    double QueueRoundTripsPerSecond,
    double QueueRoundTripsPerSecond16,
    double TableMergesPerSecond,
    double TableMergesPerSecond16,
    double HttpRequestsPerSecond,
    double HttpRequestsPerSecond16);

/// <summary>Measures the floor: queue send+receive+delete, table read + ETag-conditional merge, HTTP POST to the stub; each sequentially and 16 in flight.</summary>
internal static class Floor
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);

    public static async Task<FloorFigures> MeasureAsync(BenchEnvironment env, CancellationToken cancellationToken)
    {
        // The SDK's newest service version is newer than the pinned Azurite knows; 2021-12-02 is what both speak.
        var queues = new QueueServiceClient(env.ConnectionString, new QueueClientOptions(QueueClientOptions.ServiceVersion.V2021_12_02));
        var tables = new TableServiceClient(env.ConnectionString);
        var table = tables.GetTableClient("benchfloor");
        await table.CreateIfNotExistsAsync(cancellationToken);
        var queueClients = new List<QueueClient>();
        for (var i = 0; i < 16; i++)
        {
            var q = queues.GetQueueClient($"bench-floor-{i}");
            await q.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            queueClients.Add(q);
            await table.UpsertEntityAsync(new TableEntity("floor", $"row{i}") { ["N"] = 0 }, TableUpdateMode.Replace, cancellationToken);
        }

        async Task QueueRoundTrip(int worker)
        {
            var q = queueClients[worker];
            await q.SendMessageAsync("floor", cancellationToken);
            var received = await q.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30), cancellationToken);
            foreach (var m in received.Value) await q.DeleteMessageAsync(m.MessageId, m.PopReceipt, cancellationToken);
        }

        async Task TableMerge(int worker)
        {
            var row = (await table.GetEntityAsync<TableEntity>("floor", $"row{worker}", cancellationToken: cancellationToken)).Value;
            var n = row.GetInt32("N") ?? 0;
            await table.UpdateEntityAsync(new TableEntity("floor", $"row{worker}") { ["N"] = n + 1 }, row.ETag, TableUpdateMode.Merge, cancellationToken);
        }

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 });
        var url = $"{env.BackendUrl}/api/tasks/floor";
        async Task HttpPost(int worker)
        {
            using var content = new StringContent("{}", Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(url, content, cancellationToken);
            response.EnsureSuccessStatusCode();
        }

        var figures = new FloorFigures(
            await RateAsync(QueueRoundTrip, 1, cancellationToken),
            await RateAsync(QueueRoundTrip, 16, cancellationToken),
            await RateAsync(TableMerge, 1, cancellationToken),
            await RateAsync(TableMerge, 16, cancellationToken),
            await RateAsync(HttpPost, 1, cancellationToken),
            await RateAsync(HttpPost, 16, cancellationToken));
        foreach (var q in queueClients) await q.DeleteIfExistsAsync(cancellationToken);
        await table.DeleteAsync(cancellationToken);
        env.Requests.Clear();
        return figures;
    }

    /// <summary>Operations per second of <paramref name="operation"/> with <paramref name="inFlight"/> workers, after a short warm-up.</summary>
    private static async Task<double> RateAsync(Func<int, Task> operation, int inFlight, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 20; i++) await operation(0);
        long done = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async worker =>
        {
            while (clock.Elapsed < Window)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await operation(worker);
                Interlocked.Increment(ref done);
            }
        }));
        return done / clock.Elapsed.TotalSeconds;
    }
}
