using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Loom.Core.Stores;
using Loom.Storage.Stores;
using Loom.Testing;

namespace Loom.Storage.Tests.Stores;

/// <summary>The event log's stored layout: a write's events share rows, and rows of the older one-event-per-row layout stay readable.</summary>
[Collection("azurite")]
public sealed class EventLayoutTests(AzuriteFixture azurite) : StoreTestBase(azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    private static RunEventRecord Event(string run, long sequence, string? data = null) =>
        new(run, $"e{sequence}", sequence, T0.AddSeconds(sequence).AddTicks(1234567), sequence == 0 ? "RunStarted" : "TaskSucceeded",
            sequence == 0 ? null : "t" + sequence, data ?? $"{{\"n\":{sequence},\"text\":\"ünï \\\"q\\\" 雪 🎉 <&>\"}}");

    private static RunRecord Run(string id) => new()
    {
        RunId = id, WorkflowId = "wf", WorkflowVersion = 1, Status = "running", CreatedAt = T0, State = "{}", Outbox = "[1]",
    };

    /// <summary>A row exactly as the one-event-per-row layout wrote it (keys and properties spelled out, not through the store's code).</summary>
    private async Task AddOldLayoutRowAsync(RunEventRecord e)
    {
        var table = Service.GetTableClient(Options.RunsTable);
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new TableEntity(e.RunId, $"{e.RunId}|e|{e.Sequence:D19}")
        {
            ["RunId"] = e.RunId,
            ["EventId"] = e.EventId,
            ["Sequence"] = e.Sequence,
            ["At"] = e.Timestamp,
            ["Type"] = e.Type,
            ["TaskId"] = e.TaskId,
            ["Data"] = e.Data,
        });
    }

    /// <summary>The keys of the run's event-log rows, in key order.</summary>
    private async Task<List<string>> EventRowKeysAsync(string runId)
    {
        var keys = new List<string>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {runId} and RowKey ge {runId + "|e|"} and RowKey lt {runId + "|e}"}");
        await foreach (var row in Service.GetTableClient(Options.RunsTable).QueryAsync<TableEntity>(filter, select: ["RowKey"])) keys.Add(row.RowKey);
        return keys;
    }

    private static string Key(string runId, long sequence) => $"{runId}|e|{sequence:D19}";

    [Fact]
    public async Task Commit_SeveralEvents_OneRowKeyedByTheLastSequence_ReadBackExactly()
    {
        var created = await Stores.Runs.CreateAsync(Run("g1"), new RunHistory([Event("g1", 0)], []));
        await Stores.Runs.UpdateAsync(created, new RunHistory([.. Enumerable.Range(1, 5).Select(i => Event("g1", i))], []));

        Assert.Equal([Key("g1", 0), Key("g1", 5)], await EventRowKeysAsync("g1"));
        Assert.Equal(Enumerable.Range(0, 6).Select(i => Event("g1", i)), await Stores.Events.ListAsync("g1"));
        // The instant comes back to the tick, in UTC, as the one-event rows gave it.
        Assert.Equal(TimeSpan.Zero, (await Stores.Events.ListAsync("g1"))[3].Timestamp.Offset);
    }

    [Fact]
    public async Task ListAsync_OldLayoutRowsMixedWithGroupedRows_ReadsOneLogInSequenceOrder()
    {
        // A run written before the change (one row per event), then carried on by a commit after it.
        for (var i = 0; i < 3; i++) await AddOldLayoutRowAsync(Event("mixed", i));
        var run = await Stores.Runs.CreateAsync(Run("mixed"));
        await Stores.Runs.UpdateAsync(run, new RunHistory([Event("mixed", 3), Event("mixed", 4)], []));
        await Stores.Events.AppendAsync([Event("mixed", 5), Event("mixed", 6)]);

        Assert.Equal([Key("mixed", 0), Key("mixed", 1), Key("mixed", 2), Key("mixed", 4), Key("mixed", 6)], await EventRowKeysAsync("mixed"));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => Event("mixed", i)), await Stores.Events.ListAsync("mixed"));
    }

    [Fact]
    public async Task ListAfter_BothLayouts_IsOneRangeFromTheSequence()
    {
        for (var i = 0; i < 3; i++) await AddOldLayoutRowAsync(Event("after", i));
        await Stores.Events.AppendAsync([.. Enumerable.Range(3, 5).Select(i => Event("after", i))]);
        var table = new LoomTable(Service, Options.RunsTable);

        Assert.Equal([2L, 3, 4, 5, 6, 7], (await TableEventStore.ListAsync(table, "after", 1, default)).Select(e => e.Sequence));
        Assert.Equal([5L, 6, 7], (await TableEventStore.ListAsync(table, "after", 4, default)).Select(e => e.Sequence));
        Assert.Empty(await TableEventStore.ListAsync(table, "after", 7, default));
    }

    [Fact]
    public async Task Append_OverlappingStoredRowsOfBothLayouts_AddsOnlyTheMissingAndKeepsTheStored()
    {
        await AddOldLayoutRowAsync(Event("overlap", 2));
        await Stores.Events.AppendAsync([Event("overlap", 4), Event("overlap", 5)]);

        // A redelivered write holding stored and new events, grouped differently from what is stored.
        await Stores.Events.AppendAsync([.. Enumerable.Range(0, 7).Select(i => Event("overlap", i, i is 2 or 5 ? "changed" : null))]);

        var listed = await Stores.Events.ListAsync("overlap");
        Assert.Equal(Enumerable.Range(0, 7).Select(i => Event("overlap", i)), listed);
        Assert.DoesNotContain(listed, e => e.Data == "changed");
    }

    [Fact]
    public async Task Commit_RowKeyAlreadyTaken_CommitsTheRunAndStoresOnlyTheMissingEvents()
    {
        var created = await Stores.Runs.CreateAsync(Run("taken"), new RunHistory([Event("taken", 0)], []));
        // Appended outside a commit (a redelivered save): its row has the key the commit's row of events 1..3 will want.
        await Stores.Events.AppendAsync([Event("taken", 3, "appended first")]);

        var updated = await Stores.Runs.UpdateAsync(created with { Status = "succeeded" }, new RunHistory([.. Enumerable.Range(1, 3).Select(i => Event("taken", i))], []));

        Assert.Equal("succeeded", (await Stores.Runs.GetAsync("taken"))!.Status);
        Assert.Equal(updated.ETag, (await Stores.Runs.GetAsync("taken"))!.ETag);
        var listed = await Stores.Events.ListAsync("taken");
        Assert.Equal([0L, 1, 2, 3], listed.Select(e => e.Sequence));
        Assert.Equal("appended first", listed[3].Data);
    }

    [Fact]
    public async Task Commit_EventsBeyondOneRow_SplitAcrossRowsWithinTheLimits()
    {
        // 40 events of 30,000 characters (1.2 million in all) and one of 300,000, too long to share a row.
        var events = Enumerable.Range(0, 40).Select(i => Event("big", i, new string((char)('a' + (i % 26)), 30_000)))
            .Append(Event("big", 40, string.Concat(Enumerable.Repeat("雪🎉", 100_000)))).ToList();
        var created = await Stores.Runs.CreateAsync(Run("big"));
        await Stores.Runs.UpdateAsync(created, new RunHistory(events, []));

        var keys = await EventRowKeysAsync("big");
        Assert.InRange(keys.Count, 6, 8);
        Assert.Equal(Key("big", 40), keys[^1]);
        Assert.Equal(events, await Stores.Events.ListAsync("big"));
    }

    [Fact]
    public async Task ListAfterAsync_OldRowsAndGroupedRows_BoundaryInsideAGroupedRow_ReturnsOnlyTheLaterEvents()
    {
        // Rows: 0, 1, 2 (one event each, the old layout), then 3..7 in one grouped row (a commit), then 8..9 in another (an append).
        for (var i = 0; i < 3; i++) await AddOldLayoutRowAsync(Event("range", i));
        var run = await Stores.Runs.CreateAsync(Run("range"));
        await Stores.Runs.UpdateAsync(run, new RunHistory([.. Enumerable.Range(3, 5).Select(i => Event("range", i))], []));
        await Stores.Events.AppendAsync([Event("range", 8), Event("range", 9)]);
        Assert.Equal([Key("range", 0), Key("range", 1), Key("range", 2), Key("range", 7), Key("range", 9)], await EventRowKeysAsync("range"));
        IEventStore events = Stores.Events;

        async Task<IEnumerable<long>> After(long after, int limit) => (await events.ListAfterAsync("range", after, limit)).Select(e => e.Sequence);

        // Inside the grouped row 3..7: its events up to the boundary are not returned.
        Assert.Equal([5L, 6, 7, 8, 9], await After(4, 100));
        Assert.Equal([4L, 5, 6, 7, 8, 9], await After(3, 100));
        Assert.Equal([8L, 9], await After(7, 100));
        Assert.Equal([2L, 3, 4, 5, 6, 7, 8, 9], await After(1, 100));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => Event("range", i)), await events.ListAfterAsync("range", -1, 100));
        Assert.Empty(await After(9, 100));
        Assert.Empty(await events.ListAfterAsync("no-such-run", -1, 100));

        // A limit takes the first events of the range, across rows of both layouts and inside a grouped one.
        Assert.Equal([2L, 3, 4], await After(1, 3));
        Assert.Equal([5L, 6], await After(4, 2));
        Assert.Equal([5L, 6, 7, 8], await After(4, 4));
        Assert.Equal([0L], await After(-1, 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => events.ListAfterAsync("range", -2, 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => events.ListAfterAsync("range", 0, 0));
    }

    [Fact]
    public async Task ListAfterAsync_LongLog_ReadsOnlyTheRowsAfterTheSequence_AndAPageOnlyTheRowsItNeeds()
    {
        // 30 old one-event rows, then 40 appends of 3 events each (40 grouped rows): 150 events in 70 rows.
        for (var i = 0; i < 30; i++) await AddOldLayoutRowAsync(Event("long", i));
        for (var i = 30; i < 150; i += 3) await Stores.Events.AppendAsync([Event("long", i), Event("long", i + 1), Event("long", i + 2)]);
        var counter = new RowCounter();
        var options = new TableClientOptions();
        options.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        IEventStore events = StoresWith(options).Events;

        Assert.Equal(150, (await events.ListAsync("long")).Count);
        Assert.Equal(70, counter.Take());

        // After 140: the rows holding 141..149 (keyed 143, 146, 149, and 140's row is not read).
        Assert.Equal(Enumerable.Range(141, 9).Select(i => (long)i), (await events.ListAfterAsync("long", 140, 1000)).Select(e => e.Sequence));
        Assert.Equal(3, counter.Take());

        // A page of 5 from the old rows' middle: 5 rows and one more (that nothing lower follows), not the rest of the log.
        Assert.Equal(Enumerable.Range(11, 5).Select(i => (long)i), (await events.ListAfterAsync("long", 10, 5)).Select(e => e.Sequence));
        Assert.InRange(counter.Take(), 5, 6);

        // A page ending inside a grouped row: the boundary falls on 33..35's row.
        Assert.Equal([32L, 33, 34], (await events.ListAfterAsync("long", 31, 3)).Select(e => e.Sequence));
        Assert.InRange(counter.Take(), 2, 4);
    }

    /// <summary>Counts the entities the Table service returned to queries (the rows read), through the client's pipeline.</summary>
    private sealed class RowCounter : HttpPipelinePolicy
    {
        private int _rows;

        /// <summary>The rows read since the last call, and starts counting again.</summary>
        public int Take() => Interlocked.Exchange(ref _rows, 0);

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            ProcessNext(message, pipeline);
            Count(message);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            Count(message);
        }

        private void Count(HttpMessage message)
        {
            if (message.Request.Method != RequestMethod.Get || message.Response.Status != 200 || message.Response.Content is not { } body) return;
            using var json = JsonDocument.Parse(body.ToMemory());
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("value", out var rows))
            {
                Interlocked.Add(ref _rows, rows.GetArrayLength());
            }
        }
    }
}
