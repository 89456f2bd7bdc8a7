using Loom.Storage.Connection;
using Loom.Storage.Tables;
using Loom.Testing;

namespace Loom.Storage.Tests.Tables;

[Collection("azurite")]
public sealed class TableClientTests(AzuriteFixture azurite)
{
    private async Task<TableClient> NewTableAsync(StorageClientOptions? options = null)
    {
        var table = new TableServiceClient(Azurite.Connection(azurite), options).GetTableClient(Azurite.UniqueName("t"));
        Assert.True(await table.CreateIfNotExistsAsync());
        return table;
    }

    [Fact]
    public async Task CreateIfNotExists_Twice_SecondReturnsFalse()
    {
        var table = await NewTableAsync();
        Assert.False(await table.CreateIfNotExistsAsync());
        Assert.True(await table.DeleteIfExistsAsync());
        Assert.False(await table.DeleteIfExistsAsync());
    }

    [Fact]
    public async Task AddAndGet_TypedProperties_RoundTrip()
    {
        var table = await NewTableAsync();
        var when = new DateTimeOffset(2026, 11, 22, 8, 30, 15, 123, TimeSpan.Zero);
        var id = Guid.Parse("5f0c3a9e-2b1d-4c4e-9f00-0123456789ab");
        var entity = new TableEntity("p", "r")
        {
            ["Text"] = "héllo ✓",
            ["Int"] = 42,
            ["Long"] = long.MaxValue - 1,
            ["Double"] = 2.0,
            ["Bool"] = true,
            ["When"] = when,
            ["Id"] = id,
            ["Bytes"] = new byte[] { 1, 2, 3, 255 },
        };
        var etag = await table.AddEntityAsync(entity);
        Assert.False(string.IsNullOrEmpty(etag));

        var read = await table.GetEntityAsync("p", "r");
        Assert.NotNull(read);
        Assert.Equal(etag, read.ETag);
        Assert.Equal("héllo ✓", read["Text"]);
        Assert.Equal(42, Assert.IsType<int>(read["Int"]));
        Assert.Equal(long.MaxValue - 1, read["Long"]);
        Assert.Equal(2.0, read["Double"]);
        Assert.Equal(true, read["Bool"]);
        Assert.Equal(when, read["When"]);
        Assert.Equal(id, read["Id"]);
        Assert.Equal(new byte[] { 1, 2, 3, 255 }, read["Bytes"]);
        Assert.NotNull(read.Timestamp);
    }

    [Fact]
    public async Task Get_Missing_ReturnsNull_AndMissingTableThrowsTyped()
    {
        var table = await NewTableAsync();
        Assert.Null(await table.GetEntityAsync("p", "nope"));

        var missing = new TableServiceClient(Azurite.Connection(azurite)).GetTableClient(Azurite.UniqueName("missing"));
        var e = await Assert.ThrowsAsync<StorageException>(() => missing.AddEntityAsync(new TableEntity("p", "r")));
        Assert.Equal(StorageErrorKind.TableNotFound, e.Kind);
    }

    [Fact]
    public async Task Add_Existing_ThrowsConflict()
    {
        var table = await NewTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "r"));
        var e = await Assert.ThrowsAsync<StorageException>(() => table.AddEntityAsync(new TableEntity("p", "r")));
        Assert.Equal(StorageErrorKind.Conflict, e.Kind);
        Assert.Equal(409, e.Status);
    }

    [Fact]
    public async Task Update_StaleETag_ThrowsPreconditionFailed()
    {
        var table = await NewTableAsync();
        var first = await table.AddEntityAsync(new TableEntity("p", "r") { ["V"] = 1 });
        var second = await table.UpdateEntityAsync(new TableEntity("p", "r") { ["V"] = 2 }, first);
        Assert.NotEqual(first, second);

        var e = await Assert.ThrowsAsync<StorageException>(() => table.UpdateEntityAsync(new TableEntity("p", "r") { ["V"] = 3 }, first));
        Assert.Equal(StorageErrorKind.PreconditionFailed, e.Kind);
        var d = await Assert.ThrowsAsync<StorageException>(() => table.DeleteEntityAsync("p", "r", first));
        Assert.Equal(StorageErrorKind.PreconditionFailed, d.Kind);
        Assert.Equal(2, (await table.GetEntityAsync("p", "r"))!["V"]);
    }

    [Fact]
    public async Task Update_Missing_ThrowsEntityNotFound()
    {
        var table = await NewTableAsync();
        var e = await Assert.ThrowsAsync<StorageException>(() => table.UpdateEntityAsync(new TableEntity("p", "x"), "*"));
        Assert.Equal(StorageErrorKind.EntityNotFound, e.Kind);
    }

    [Fact]
    public async Task ConcurrentWriters_SameETag_ExactlyOneWins()
    {
        var table = await NewTableAsync();
        var etag = await table.AddEntityAsync(new TableEntity("p", "r") { ["V"] = 0 });
        var writers = Enumerable.Range(1, 8).Select(async i =>
        {
            try
            {
                await table.UpdateEntityAsync(new TableEntity("p", "r") { ["V"] = i }, etag);
                return true;
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.PreconditionFailed)
            {
                return false;
            }
        });
        var results = await Task.WhenAll(writers);
        Assert.Single(results, r => r);
    }

    [Fact]
    public async Task UpsertAndMerge_ModesBehave()
    {
        var table = await NewTableAsync();
        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["A"] = "a", ["B"] = "b" });
        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["C"] = "c" }, TableUpdateMode.Merge);
        var merged = await table.GetEntityAsync("p", "r");
        Assert.Equal(["A", "B", "C"], merged!.Keys.Order());

        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["D"] = "d" }, TableUpdateMode.Replace);
        Assert.Equal(["D"], (await table.GetEntityAsync("p", "r"))!.Keys);

        var etag = (await table.GetEntityAsync("p", "r"))!.ETag!;
        await table.UpdateEntityAsync(new TableEntity("p", "r") { ["E"] = "e" }, etag, TableUpdateMode.Merge);
        Assert.Equal(["D", "E"], (await table.GetEntityAsync("p", "r"))!.Keys.Order());

        Assert.True(await table.DeleteEntityAsync("p", "r"));
        Assert.False(await table.DeleteEntityAsync("p", "r"));
    }

    [Fact]
    public async Task Query_Over1000Entities_PagesWithContinuation()
    {
        var table = await NewTableAsync();
        const int total = 1205;
        for (var batch = 0; batch < total; batch += 100)
        {
            var actions = Enumerable.Range(batch, Math.Min(100, total - batch))
                .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture)) { ["N"] = i }))
                .ToList();
            await table.SubmitTransactionAsync(actions);
        }

        var pages = 0;
        var seen = new List<int>();
        TableContinuation? continuation = null;
        do
        {
            var page = await table.QueryPageAsync(new TableQuery("PartitionKey eq 'p'", ["N"]), continuation);
            pages++;
            Assert.True(page.Entities.Count <= 1000);
            seen.AddRange(page.Entities.Select(e => e.GetInt32("N")!.Value));
            continuation = page.Continuation;
        }
        while (continuation is not null);

        Assert.True(pages >= 2);
        Assert.Equal(Enumerable.Range(0, total), seen);

        var top = await table.QueryPageAsync(new TableQuery("N ge 1200", Top: 2));
        Assert.Equal([1200, 1201], top.Entities.Select(e => e.GetInt32("N")!.Value));
        Assert.NotNull(top.Continuation);

        var all = new List<TableEntity>();
        await foreach (var e in table.QueryAsync(new TableQuery("N ge 1200", Top: 2)))
        {
            all.Add(e);
        }

        Assert.Equal(5, all.Count);
    }

    [Fact]
    public async Task Transaction_Of100_CommitsAtomically_AndFailingOneChangesNothing()
    {
        var table = await NewTableAsync();
        var actions = Enumerable.Range(0, 100)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"r{i:D3}") { ["N"] = i }))
            .ToList();
        var etags = await table.SubmitTransactionAsync(actions);
        Assert.Equal(100, etags.Count);
        Assert.All(etags, e => Assert.False(string.IsNullOrEmpty(e)));
        Assert.Equal(100, await CountAsync(table));

        // The last operation conflicts (r000 exists), so the 99 new rows must not appear either.
        var failing = Enumerable.Range(0, 99)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"n{i:D3}")))
            .Append(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "r000")))
            .ToList();
        var e = await Assert.ThrowsAsync<StorageException>(() => table.SubmitTransactionAsync(failing));
        Assert.Equal(StorageErrorKind.Conflict, e.Kind);
        Assert.Equal(99, e.FailedOperationIndex);
        Assert.Equal(100, await CountAsync(table));

        var staleETag = etags[2]!;
        await table.UpdateEntityAsync(new TableEntity("p", "r002") { ["N"] = 2 }, staleETag);
        var stale = new[]
        {
            new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity("p", "r001") { ["X"] = 1 }),
            new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity("p", "r002"), staleETag),
        };
        var s = await Assert.ThrowsAsync<StorageException>(() => table.SubmitTransactionAsync(stale));
        Assert.Equal(StorageErrorKind.PreconditionFailed, s.Kind);
        Assert.False((await table.GetEntityAsync("p", "r001"))!.ContainsKey("X"));

        var mixed = new[]
        {
            new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity("p", "r001") { ["X"] = 1 }, etags[1]),
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity("p", "r002"), (await table.GetEntityAsync("p", "r002"))!.ETag),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", "r003") { ["Y"] = 2 }),
        };
        var results = await table.SubmitTransactionAsync(mixed);
        Assert.Equal(3, results.Count);
        Assert.Equal(1, (await table.GetEntityAsync("p", "r001"))!["X"]);
        Assert.Null(await table.GetEntityAsync("p", "r002"));
        Assert.Equal(["Y"], (await table.GetEntityAsync("p", "r003"))!.Keys);
    }

    [Fact]
    public async Task Transaction_TooManyOrMixedPartitions_FailsBeforeSending()
    {
        var table = await NewTableAsync();
        var tooMany = Enumerable.Range(0, 101).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"r{i}"))).ToList();
        Assert.Equal(StorageErrorKind.TooLarge, (await Assert.ThrowsAsync<StorageException>(() => table.SubmitTransactionAsync(tooMany))).Kind);
        var mixed = new[]
        {
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "a")),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("q", "a")),
        };
        Assert.Equal(StorageErrorKind.BadRequest, (await Assert.ThrowsAsync<StorageException>(() => table.SubmitTransactionAsync(mixed))).Kind);
    }

    [Fact]
    public async Task Keys_UnicodeAndQuotes_RoundTrip()
    {
        var table = await NewTableAsync();
        const string pk = "ünïcødé 雪 'quoted' 🎉";
        const string rk = "a b+c&d=e%f 'x'";
        await table.AddEntityAsync(new TableEntity(pk, rk) { ["V"] = "v" });
        var read = await table.GetEntityAsync(pk, rk);
        Assert.NotNull(read);
        Assert.Equal(pk, read.PartitionKey);
        Assert.Equal(rk, read.RowKey);
        var queried = await table.QueryPageAsync(new TableQuery($"PartitionKey eq {TableJson.Literal(pk)}"));
        Assert.Equal(rk, Assert.Single(queried.Entities).RowKey);
        Assert.True(await table.DeleteEntityAsync(pk, rk));
    }

    [Fact]
    public async Task Entity_OverLimits_ThrowsTooLargeBeforeSending()
    {
        var counter = new StorageRequestCounter();
        var table = await NewTableAsync(new StorageClientOptions { RequestCounter = counter });
        var before = counter.Tables;
        var bigProperty = new TableEntity("p", "r") { ["S"] = new string('x', 40_000) };
        Assert.Equal(StorageErrorKind.TooLarge, (await Assert.ThrowsAsync<StorageException>(() => table.AddEntityAsync(bigProperty))).Kind);
        var bigEntity = new TableEntity("p", "r");
        for (var i = 0; i < 20; i++)
        {
            bigEntity["S" + i] = new string('x', 30_000);
        }

        Assert.Equal(StorageErrorKind.TooLarge, (await Assert.ThrowsAsync<StorageException>(() => table.UpsertEntityAsync(bigEntity))).Kind);
        Assert.Equal(before, counter.Tables);
        Assert.Null(await table.GetEntityAsync("p", "r"));
    }

    [Fact]
    public async Task BadFilter_ThrowsBadRequestWithServiceMessage()
    {
        var table = await NewTableAsync();
        var e = await Assert.ThrowsAsync<StorageException>(() => table.QueryPageAsync(new TableQuery("this is not odata (((")));
        Assert.Equal(StorageErrorKind.BadRequest, e.Kind);
        Assert.False(string.IsNullOrEmpty(e.Message));
    }

    private static async Task<int> CountAsync(TableClient table)
    {
        var n = 0;
        await foreach (var _ in table.QueryAsync(new TableQuery(Select: ["RowKey"])))
        {
            n++;
        }

        return n;
    }
}
