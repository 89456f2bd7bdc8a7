using System.Globalization;
using Azure.Data.Tables;
using Loom.Storage.Stores;
using Loom.Testing;

namespace Loom.Storage.Tests.Stores;

/// <summary>What the stores rely on from their table: typed errors, atomic transactions, ETags, pages, limits checked before sending.</summary>
[Collection("azurite")]
public sealed class LoomTableTests(AzuriteFixture azurite)
{
    private LoomTable NewTable(StorageRequestCounter? counter = null) =>
        new(Azurite.Tables(azurite, counter?.AddTo(new TableClientOptions())), Azurite.UniqueName("t"));

    [Fact]
    public async Task FirstUse_CreatesTheTableOnce()
    {
        var counter = new StorageRequestCounter();
        var table = NewTable(counter);
        Assert.Null(await table.GetAsync("p", "r", default));
        Assert.Equal(2, counter.Total);
        await table.UpsertAsync(new TableEntity("p", "r"), default);
        Assert.Equal(3, counter.Total);

        // A second process (a new LoomTable) finds the table there: one create request answered 409, no error.
        var again = new LoomTable(Azurite.Tables(azurite), table.Name);
        Assert.NotNull(await again.GetAsync("p", "r", default));
    }

    [Fact]
    public async Task AddAndGet_TypedProperties_RoundTrip_NullsDropped()
    {
        var table = NewTable();
        var when = new DateTimeOffset(2026, 11, 22, 8, 30, 15, 123, TimeSpan.Zero).AddTicks(4567);
        var id = Guid.Parse("5f0c3a9e-2b1d-4c4e-9f00-0123456789ab");
        var etag = await table.AddAsync(new TableEntity("p", "r")
        {
            ["Text"] = "héllo ✓",
            ["Int"] = 42,
            ["Long"] = long.MaxValue - 1,
            ["Double"] = 2.5,
            ["Bool"] = true,
            ["When"] = when,
            ["Id"] = id,
            ["Bytes"] = new byte[] { 1, 2, 3, 255 },
            ["Missing"] = null,
        }, default);
        Assert.False(string.IsNullOrEmpty(etag));

        var read = await table.GetAsync("p", "r", default);
        Assert.NotNull(read);
        Assert.Equal(etag, read.ETag.ToString());
        Assert.Equal("héllo ✓", read.GetString("Text"));
        Assert.Equal(42, read.GetInt32("Int"));
        Assert.Equal(long.MaxValue - 1, read.GetInt64("Long"));
        Assert.Equal(2.5, read.GetDouble("Double"));
        Assert.True(read.GetBoolean("Bool"));
        Assert.Equal(when, read.GetDateTimeOffset("When"));
        Assert.Equal(id, read.GetGuid("Id"));
        Assert.Equal(new byte[] { 1, 2, 3, 255 }, read.GetBinary("Bytes"));
        Assert.False(read.ContainsKey("Missing"));
        Assert.NotNull(read.Timestamp);
    }

    [Fact]
    public async Task Add_Existing_ThrowsConflict()
    {
        var table = NewTable();
        await table.AddAsync(new TableEntity("p", "r"), default);
        var e = await Assert.ThrowsAsync<StorageException>(() => table.AddAsync(new TableEntity("p", "r"), default));
        Assert.Equal(StorageErrorKind.Conflict, e.Kind);
        Assert.Equal(409, e.Status);
        Assert.Equal("EntityAlreadyExists", e.ErrorCode);
        Assert.IsAssignableFrom<Azure.RequestFailedException>(e.InnerException);
    }

    [Fact]
    public async Task Update_StaleETag_ThrowsPreconditionFailed_AndMissingThrowsEntityNotFound()
    {
        var table = NewTable();
        var first = await table.AddAsync(new TableEntity("p", "r") { ["V"] = 1 }, default);
        var second = await table.UpdateAsync(new TableEntity("p", "r") { ["V"] = 2 }, first, TableUpdateMode.Replace, default);
        Assert.NotEqual(first, second);

        var e = await Assert.ThrowsAsync<StorageException>(() => table.UpdateAsync(new TableEntity("p", "r") { ["V"] = 3 }, first, TableUpdateMode.Replace, default));
        Assert.Equal(StorageErrorKind.PreconditionFailed, e.Kind);
        var d = await Assert.ThrowsAsync<StorageException>(() => table.DeleteAsync("p", "r", first, default));
        Assert.Equal(StorageErrorKind.PreconditionFailed, d.Kind);
        Assert.Equal(2, (await table.GetAsync("p", "r", default))!.GetInt32("V"));

        var missing = await Assert.ThrowsAsync<StorageException>(() => table.UpdateAsync(new TableEntity("p", "x"), "*", TableUpdateMode.Merge, default));
        Assert.Equal(StorageErrorKind.EntityNotFound, missing.Kind);
    }

    [Fact]
    public async Task ConcurrentWriters_SameETag_ExactlyOneWins()
    {
        var table = NewTable();
        var etag = await table.AddAsync(new TableEntity("p", "r") { ["V"] = 0 }, default);
        var results = await Task.WhenAll(Enumerable.Range(1, 8).Select(async i =>
        {
            try
            {
                await table.UpdateAsync(new TableEntity("p", "r") { ["V"] = i }, etag, TableUpdateMode.Replace, default);
                return true;
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.PreconditionFailed)
            {
                return false;
            }
        }));
        Assert.Single(results, r => r);
    }

    [Fact]
    public async Task UpsertMergeAndDelete_Behave()
    {
        var table = NewTable();
        await table.UpsertAsync(new TableEntity("p", "r") { ["A"] = "a", ["B"] = "b" }, default);
        await table.UpsertAsync(new TableEntity("p", "r") { ["D"] = "d" }, default);
        var replaced = await table.GetAsync("p", "r", default);
        Assert.Equal("d", replaced!.GetString("D"));
        Assert.False(replaced.ContainsKey("A"));

        await table.UpdateAsync(new TableEntity("p", "r") { ["E"] = "e" }, replaced.ETag.ToString(), TableUpdateMode.Merge, default);
        var merged = await table.GetAsync("p", "r", default);
        Assert.Equal(("d", "e"), (merged!.GetString("D"), merged.GetString("E")));

        Assert.True(await table.DeleteAsync("p", "r", "*", default));
        Assert.False(await table.DeleteAsync("p", "r", "*", default));
    }

    [Fact]
    public async Task Query_Over1000Entities_PagesWithContinuation()
    {
        var table = NewTable();
        const int total = 1205;
        for (var batch = 0; batch < total; batch += 100)
        {
            await table.SubmitAsync([.. Enumerable.Range(batch, Math.Min(100, total - batch)).Select(i =>
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", i.ToString("D5", CultureInfo.InvariantCulture)) { ["N"] = i }))], default);
        }

        var pages = 0;
        var seen = new List<int>();
        await foreach (var page in table.QueryPagesAsync("PartitionKey eq 'p'", ["N"], null, default))
        {
            pages++;
            Assert.True(page.Values.Count <= 1000);
            seen.AddRange(page.Values.Select(e => e.GetInt32("N")!.Value));
        }

        Assert.True(pages >= 2);
        Assert.Equal(Enumerable.Range(0, total), seen);

        var small = new List<int>();
        await foreach (var page in table.QueryPagesAsync("N ge 1200", null, 2, default))
        {
            Assert.True(page.Values.Count <= 2);
            small.AddRange(page.Values.Select(e => e.GetInt32("N")!.Value));
        }

        Assert.Equal([1200, 1201, 1202, 1203, 1204], small);
    }

    [Fact]
    public async Task Transaction_Of100_CommitsAtomically_AndFailingOneChangesNothing()
    {
        var table = NewTable();
        var etags = await table.SubmitAsync([.. Enumerable.Range(0, 100)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"r{i:D3}") { ["N"] = i }))], default);
        Assert.Equal(100, etags.Count);
        Assert.All(etags, e => Assert.False(string.IsNullOrEmpty(e)));
        Assert.Equal(100, await CountAsync(table));

        // The last operation conflicts (r000 exists), so the 99 new rows must not appear either.
        var failing = Enumerable.Range(0, 99)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"n{i:D3}")))
            .Append(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "r000")))
            .ToList();
        var e = await Assert.ThrowsAsync<StorageException>(() => table.SubmitAsync(failing, default));
        Assert.Equal(StorageErrorKind.Conflict, e.Kind);
        Assert.Equal(99, e.FailedOperationIndex);
        Assert.Equal(100, await CountAsync(table));

        var staleETag = etags[2];
        await table.UpdateAsync(new TableEntity("p", "r002") { ["N"] = 2 }, staleETag, TableUpdateMode.Replace, default);
        TableTransactionAction[] stale =
        [
            new(TableTransactionActionType.UpsertMerge, new TableEntity("p", "r001") { ["X"] = 1 }),
            new(TableTransactionActionType.UpdateReplace, new TableEntity("p", "r002"), new Azure.ETag(staleETag)),
        ];
        var s = await Assert.ThrowsAsync<StorageException>(() => table.SubmitAsync(stale, default));
        Assert.Equal(StorageErrorKind.PreconditionFailed, s.Kind);
        Assert.False((await table.GetAsync("p", "r001", default))!.ContainsKey("X"));

        TableTransactionAction[] mixed =
        [
            new(TableTransactionActionType.UpdateMerge, new TableEntity("p", "r001") { ["X"] = 1 }, new Azure.ETag(etags[1])),
            new(TableTransactionActionType.Delete, new TableEntity("p", "r002"), (await table.GetAsync("p", "r002", default))!.ETag),
            new(TableTransactionActionType.UpsertReplace, new TableEntity("p", "r003") { ["Y"] = 2 }),
        ];
        Assert.Equal(3, (await table.SubmitAsync(mixed, default)).Count);
        Assert.Equal(1, (await table.GetAsync("p", "r001", default))!.GetInt32("X"));
        Assert.Null(await table.GetAsync("p", "r002", default));
        Assert.False((await table.GetAsync("p", "r003", default))!.ContainsKey("N"));
    }

    [Fact]
    public async Task Transaction_TooManyOrMixedPartitions_FailsBeforeSending()
    {
        var counter = new StorageRequestCounter();
        var table = NewTable(counter);
        var tooMany = Enumerable.Range(0, 101).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"r{i}"))).ToList();
        Assert.Equal(StorageErrorKind.TooLarge, (await Assert.ThrowsAsync<StorageException>(() => table.SubmitAsync(tooMany, default))).Kind);
        TableTransactionAction[] mixed =
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "a")),
            new(TableTransactionActionType.Add, new TableEntity("q", "a")),
        ];
        Assert.Equal(StorageErrorKind.BadRequest, (await Assert.ThrowsAsync<StorageException>(() => table.SubmitAsync(mixed, default))).Kind);
        Assert.Equal(0, counter.Total);
    }

    [Fact]
    public async Task Entity_OverLimits_ThrowsTooLargeBeforeSending()
    {
        var counter = new StorageRequestCounter();
        var table = NewTable(counter);
        await table.UpsertAsync(new TableEntity("p", "warm"), default);
        var before = counter.Total;

        var bigProperty = new TableEntity("p", "r") { ["S"] = new string('x', 40_000) };
        Assert.Equal(StorageErrorKind.TooLarge, (await Assert.ThrowsAsync<StorageException>(() => table.AddAsync(bigProperty, default))).Kind);
        var bigEntity = new TableEntity("p", "r");
        for (var i = 0; i < 20; i++)
        {
            bigEntity["S" + i] = new string('x', 30_000);
        }

        Assert.Equal(StorageErrorKind.TooLarge, (await Assert.ThrowsAsync<StorageException>(() => table.UpsertAsync(bigEntity, default))).Kind);
        var inBatch = new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "b") { ["S"] = new string('x', 40_000) });
        Assert.Equal(StorageErrorKind.TooLarge, (await Assert.ThrowsAsync<StorageException>(() => table.SubmitAsync([inBatch], default))).Kind);
        Assert.Equal(before, counter.Total);
        Assert.Null(await table.GetAsync("p", "r", default));
    }

    [Fact]
    public async Task Keys_UnicodeQuotesAndPercent_RoundTrip()
    {
        var table = NewTable();
        const string pk = "ünïcødé 雪 'quoted' 🎉";
        const string rk = "a b+c&d=e%25f 'x'";
        await table.AddAsync(new TableEntity(pk, rk) { ["V"] = "v" }, default);
        var read = await table.GetAsync(pk, rk, default);
        Assert.NotNull(read);
        Assert.Equal((pk, rk), (read.PartitionKey, read.RowKey));
        var queried = new List<TableEntity>();
        await foreach (var e in table.QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {pk}"), null, default))
        {
            queried.Add(e);
        }

        Assert.Equal(rk, Assert.Single(queried).RowKey);
        Assert.True(await table.DeleteAsync(pk, rk, read.ETag.ToString(), default));
    }

    [Fact]
    public async Task BadFilter_ThrowsBadRequestWithServiceMessage()
    {
        var table = NewTable();
        var e = await Assert.ThrowsAsync<StorageException>(async () =>
        {
            await foreach (var _ in table.QueryAsync("this is not odata (((", null, default))
            {
            }
        });
        Assert.Equal(StorageErrorKind.BadRequest, e.Kind);
        Assert.StartsWith($"Query {table.Name} failed: 400", e.Message, StringComparison.Ordinal);
    }

    private static async Task<int> CountAsync(LoomTable table)
    {
        var n = 0;
        await foreach (var _ in table.QueryAsync(null, ["RowKey"], default))
        {
            n++;
        }

        return n;
    }
}
