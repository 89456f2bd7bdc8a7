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
}
