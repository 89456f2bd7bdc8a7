using Azure.Data.Tables;
using Loom.Core.Stores;
using Loom.Storage.Stores;
using Loom.Testing;

namespace Loom.Storage.Tests.Stores;

/// <summary>The run store without its open-run index (<see cref="TableStoreOptions.OpenRunIndex"/> off, as the Function App runs it).</summary>
[Collection("azurite")]
public sealed class OpenRunIndexStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    private readonly StorageRequestCounter _requests = new();
    private readonly TableStoreOptions _options = new() { TablePrefix = Azurite.UniqueName("o"), OpenRunIndex = false };

    private TableServiceClient? _service;

    private TableServiceClient Service => _service ??= Azurite.Tables(azurite, _requests.AddTo(new TableClientOptions()));

    private static RunRecord Run(string id, string status = "running") => new()
    {
        RunId = id,
        WorkflowId = "wf",
        WorkflowVersion = 1,
        Status = status,
        CreatedAt = T0,
        Trigger = "manual",
        State = "{\"tasks\":{}}",
        Outbox = "",
    };

    [Fact]
    public async Task Off_CreateWritesOnlyListingRows_FinalUpdateIsOneRequest_RunsStillListed()
    {
        var store = new TableRunStore(Service, _options);
        var created = await store.CreateAsync(Run("r1"));
        Assert.Equal(["a", "w"], await IndexKindsAsync());

        var before = _requests.Total;
        await store.UpdateAsync(created with { Status = "succeeded", FinishedAt = T0.AddSeconds(5) });
        // The run row alone: no delete of an index row that was never written.
        Assert.Equal(1, _requests.Total - before);
        Assert.Equal(["a", "w"], await IndexKindsAsync());
        Assert.Equal("succeeded", Assert.Single((await store.ListAsync(new RunQuery("wf"))).Items).Status);
    }

    [Fact]
    public async Task Off_FinalRunOwingCommands_WritesNoIndexRow_AndTheSweepsListingIsRefused()
    {
        var store = new TableRunStore(Service, _options);
        var created = await store.CreateAsync(Run("r2"));
        await store.UpdateAsync(created with { Status = "failed", FinishedAt = T0.AddSeconds(5), Outbox = "[1]" });

        Assert.Equal(["a", "w"], await IndexKindsAsync());
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => store.ListWithOutboxAsync(10));
        Assert.Contains(nameof(TableStoreOptions.OpenRunIndex), refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_ByDefault_KeepsTheIndexRowWhileTheRunIsOpen()
    {
        var store = new TableRunStore(Service, _options with { OpenRunIndex = true });
        var created = await store.CreateAsync(Run("r3"));
        Assert.Equal(["a", "o", "w"], await IndexKindsAsync());
        await store.UpdateAsync(created with { Status = "succeeded", FinishedAt = T0.AddSeconds(5) });
        Assert.Equal(["a", "w"], await IndexKindsAsync());
        Assert.True(new TableStoreOptions().OpenRunIndex);
    }

    /// <summary>The kinds of index rows (the part of the row key before the first '|'), sorted.</summary>
    private async Task<List<string>> IndexKindsAsync()
    {
        var kinds = new List<string>();
        await foreach (var row in Service.GetTableClient(_options.RunsTable).QueryAsync<TableEntity>(r => r.PartitionKey == "$ix", select: ["RowKey"]))
        {
            kinds.Add(row.RowKey[..row.RowKey.IndexOf('|', StringComparison.Ordinal)]);
        }

        kinds.Sort(StringComparer.Ordinal);
        return kinds;
    }
}
