using Azure.Data.Tables;
using Loom.Core.Stores;
using Loom.Testing;

namespace Loom.Storage.Tests.Connection;

/// <summary>The connection forms a host configures, Shared Key against the real Azurite, and what each store operation costs in requests.</summary>
[Collection("azurite")]
public sealed class ConnectionTests(AzuriteFixture azurite)
{
    [Fact]
    public void Create_UseDevelopmentStorage_PointsAtAzuriteDefaults()
    {
        var storage = LoomStorageAccount.Create("UseDevelopmentStorage=true", "loom");
        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), storage.Tables.Uri);
        Assert.Equal(AzuriteFixture.AccountName, storage.Tables.AccountName);
    }

    [Fact]
    public void Create_AccountKeyConnectionString_UsesTheAccountsEndpoint()
    {
        var storage = LoomStorageAccount.Create($"DefaultEndpointsProtocol=https;AccountName=loomprod;AccountKey={AzuriteFixture.AccountKey};EndpointSuffix=core.windows.net", "loom");
        Assert.Equal("loomprod.table.core.windows.net", storage.Tables.Uri.Host);
        Assert.Equal("loomprod", storage.Tables.AccountName);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("AccountName=x")]
    [InlineData("AccountName=x;AccountKey=!!notbase64")]
    public void Create_UnusableConnectionString_FailsAtOnce(string connectionString)
    {
        var e = Record.Exception(() => LoomStorageAccount.Create(connectionString, "loom"));
        Assert.True(e is FormatException or ArgumentException or InvalidOperationException, $"{e?.GetType()}: {e?.Message}");
    }

    [Fact]
    public async Task ExplicitEndpoints_PathStyleAccount_ReachAzurite()
    {
        // The fixture's connection string names Azurite's endpoints on free ports, with the account in the path.
        var storage = LoomStorageAccount.Create(azurite.ConnectionString, Azurite.UniqueName("c"));
        Assert.Equal(AzuriteFixture.AccountName, storage.Tables.AccountName);
        Assert.True((await storage.Workflows.RegisterAsync("wf", "h1", "id: wf", DateTimeOffset.UnixEpoch)).Created);
        Assert.Equal(1, (await storage.Workflows.GetHeadAsync("wf"))!.CurrentVersion);
        Assert.True(await storage.PingAsync(default));
    }

    [Fact]
    public async Task SharedKey_WrongKey_RejectedAsAuthenticationFailed()
    {
        var wrongKey = Convert.ToBase64String(new byte[64]);
        var wrong = LoomStorageAccount.Create(azurite.ConnectionString.Replace(AzuriteFixture.AccountKey, wrongKey, StringComparison.Ordinal), Azurite.UniqueName("k"));
        var e = await Assert.ThrowsAsync<StorageException>(() => wrong.Workflows.GetHeadAsync("wf"));
        Assert.Equal(StorageErrorKind.AuthenticationFailed, e.Kind);
        Assert.False(await wrong.PingAsync(default));

        // The same call signed with the right key succeeds: the service really checks signatures.
        Assert.Null(await LoomStorageAccount.Create(azurite.ConnectionString, Azurite.UniqueName("k")).Workflows.GetHeadAsync("wf"));
    }

    [Fact]
    public async Task RequestCounter_CountsEveryRequest_OneTableCreatePerTableAndProcess()
    {
        var counter = new StorageRequestCounter();
        var storage = LoomStorageAccount.Create(azurite.ConnectionString, Azurite.UniqueName("n"), counter.AddTo(new TableClientOptions()));
        var now = DateTimeOffset.UnixEpoch;

        Assert.Null(await storage.Workflows.GetHeadAsync("wf"));
        Assert.Equal(2, counter.Total); // create the workflows table, read the head
        Assert.Null(await storage.Workflows.GetHeadAsync("wf"));
        Assert.Equal(3, counter.Total);

        counter.Reset();
        var run = await storage.Runs.CreateAsync(new RunRecord { RunId = "r1", WorkflowId = "wf", WorkflowVersion = 1, Status = "running", CreatedAt = now, State = "{}" });
        Assert.Equal(3, counter.Total); // create the runs table, the index rows' transaction, the run row

        counter.Reset();
        var history = new RunHistory(
            [new RunEventRecord("r1", "e1", 1, now, "TaskSucceeded", "a", "{}")],
            [new AttemptRecord { RunId = "r1", TaskId = "a", Attempt = 1, StartedAt = now, Duration = TimeSpan.FromMilliseconds(5), Outcome = "succeeded", RequestSummary = "POST /a" }]);
        run = await storage.Runs.UpdateAsync(run with { State = "{\"a\":1}" }, history);
        Assert.Equal(1, counter.Total); // the run row, its event and its attempt: one entity group transaction

        counter.Reset();
        await storage.Runs.UpdateAsync(run with { Status = "succeeded", FinishedAt = now });
        Assert.Equal(2, counter.Total); // the run row, then its recovery index row dropped
        counter.Reset();
        Assert.True((await storage.Workflows.RegisterAsync("wf", "h1", "id: wf", now)).Created);
        Assert.Equal(2, counter.Total); // read the head, commit version and head
        counter.Reset();
        Assert.Single((await storage.Runs.ListAsync(new RunQuery(Limit: 10))).Items);
        Assert.Equal(2, counter.Total); // a page of index rows, then the run itself

        Assert.Single(await storage.Events.ListAsync("r1"));
        Assert.Single(await storage.Attempts.ListAsync("r1", null));
    }
}
