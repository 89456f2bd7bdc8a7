using Loom.Storage.Connection;
using Loom.Storage.Queues;
using Loom.Storage.Tables;
using Loom.Testing;

namespace Loom.Storage.Tests.Connection;

[Collection("azurite")]
public sealed class ConnectionTests(AzuriteFixture azurite)
{
    private const string Key = StorageConnection.DevelopmentAccountKey;

    [Fact]
    public void Parse_FullConnectionString_BuildsServiceEndpoints()
    {
        var c = StorageConnection.Parse($"DefaultEndpointsProtocol=https;AccountName=loomprod;AccountKey={Key};EndpointSuffix=core.windows.net");
        Assert.Equal("loomprod", c.AccountName);
        Assert.True(c.UsesSharedKey);
        Assert.Equal(new Uri("https://loomprod.table.core.windows.net"), c.TableEndpoint);
        Assert.Equal(new Uri("https://loomprod.queue.core.windows.net"), c.QueueEndpoint);
    }

    [Fact]
    public void Parse_ExplicitEndpoints_OverrideAndTrimSlash()
    {
        var c = StorageConnection.Parse($"AccountName=devstoreaccount1;AccountKey={Key};TableEndpoint=http://127.0.0.1:5555/devstoreaccount1/;QueueEndpoint=http://127.0.0.1:5554/devstoreaccount1");
        Assert.Equal("http://127.0.0.1:5555/devstoreaccount1", c.TableEndpoint.AbsoluteUri);
        Assert.Equal("http://127.0.0.1:5554/devstoreaccount1", c.QueueEndpoint.AbsoluteUri);
    }

    [Fact]
    public void Parse_UseDevelopmentStorage_UsesAzuriteDefaults()
    {
        var c = StorageConnection.Parse("UseDevelopmentStorage=true");
        Assert.Equal(StorageConnection.DevelopmentAccountName, c.AccountName);
        Assert.Equal("http://127.0.0.1:10002/devstoreaccount1", c.TableEndpoint.AbsoluteUri);
        Assert.Equal("http://127.0.0.1:10001/devstoreaccount1", c.QueueEndpoint.AbsoluteUri);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("AccountKey=abc=", "AccountName")]
    [InlineData("AccountName=x", "AccountKey")]
    [InlineData("AccountName=x;AccountKey=!!notbase64", "base64")]
    [InlineData("AccountName=x;AccountKey=YWJj;DefaultEndpointsProtocol=ftp", "http or https")]
    [InlineData("BlobEndpoint=https://x.blob.core.windows.net;SharedAccessSignature=sv=1", "not supported")]
    [InlineData("garbage", "name=value")]
    public void TryParse_BadInput_ReturnsClearError(string connectionString, string expected)
    {
        Assert.False(StorageConnection.TryParse(connectionString, out var connection, out var error));
        Assert.Null(connection);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => StorageConnection.Parse(connectionString));
    }

    [Fact]
    public void ForTokenCredential_AccountName_UsesHttpsEndpointsAndNoKey()
    {
        var c = StorageConnection.ForTokenCredential("loomprod", new Azure.Identity.ManagedIdentityCredential(Azure.Identity.ManagedIdentityId.SystemAssigned));
        Assert.False(c.UsesSharedKey);
        Assert.NotNull(c.Credential);
        Assert.Equal("https://loomprod.table.core.windows.net/", c.TableEndpoint.AbsoluteUri);
        Assert.Equal("https://loomprod.queue.core.windows.net/", c.QueueEndpoint.AbsoluteUri);
    }

    [Fact]
    public void TableStringToSign_KnownVector_MatchesIndependentHmac()
    {
        var uri = new Uri("http://127.0.0.1:10002/devstoreaccount1/runs(PartitionKey='p',RowKey='r')?$select=State&timeout=30");
        var s = SharedKeySigner.TableStringToSign("PUT", null, "application/json", "Sun, 22 Nov 2026 08:00:00 GMT", "devstoreaccount1", uri);
        Assert.Equal("PUT\n\napplication/json\nSun, 22 Nov 2026 08:00:00 GMT\n/devstoreaccount1/devstoreaccount1/runs(PartitionKey='p',RowKey='r')", s);
        // Expected value computed independently (Python hmac/sha256) from the string above and the development key.
        Assert.Equal("T23LjdPhwS5ZV/lNLRW7OZLkFyHBGtUXWC1cMw4FQ9s=", SharedKeySigner.Sign(Convert.FromBase64String(Key), s));

        var comp = SharedKeySigner.TableStringToSign("GET", null, null, "d", "acct", new Uri("https://acct.table.core.windows.net/?restype=service&comp=properties"));
        Assert.EndsWith("\n/acct/?comp=properties", comp, StringComparison.Ordinal);
    }

    [Fact]
    public void QueueStringToSign_KnownVector_MatchesIndependentHmac()
    {
        var uri = new Uri("https://myaccount.queue.core.windows.net/myaccount/jobs/messages/id1?visibilitytimeout=30&popreceipt=AgAAAA%3D%3D");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Length"] = "38",
            ["Content-Type"] = "application/xml",
            ["x-ms-version"] = "2021-12-02",
            ["x-ms-date"] = "Sun, 22 Nov 2026 08:00:00 GMT",
            ["X-MS-Client-Request-Id"] = " abc ",
            ["User-Agent"] = "ignored",
        };
        var s = SharedKeySigner.QueueStringToSign("put", n => headers.GetValueOrDefault(n), headers.Select(h => (h.Key, h.Value)), "myaccount", uri);
        Assert.Equal(
            "PUT\n\n\n38\n\napplication/xml\n\n\n\n\n\n\n" +
            "x-ms-client-request-id:abc\nx-ms-date:Sun, 22 Nov 2026 08:00:00 GMT\nx-ms-version:2021-12-02\n" +
            "/myaccount/myaccount/jobs/messages/id1\npopreceipt:AgAAAA==\nvisibilitytimeout:30", s);
        Assert.Equal("Ed+lD/Ppv8b8PBFT6V5U4DmFKpEnJA8P06vIb3RQgGA=", SharedKeySigner.Sign(Convert.FromBase64String(Key), s));
    }

    [Fact]
    public async Task SharedKey_WrongKey_RejectedByBothServices()
    {
        var wrongKey = Convert.ToBase64String(new byte[64]);
        var wrong = StorageConnection.ForSharedKey(AzuriteFixture.AccountName, wrongKey, azurite.TableEndpoint, azurite.QueueEndpoint);
        var table = new TableServiceClient(wrong).GetTableClient("authcheck");
        var t = await Assert.ThrowsAsync<StorageException>(() => table.CreateIfNotExistsAsync());
        Assert.Equal(StorageErrorKind.AuthenticationFailed, t.Kind);
        var queue = new QueueServiceClient(wrong).GetQueueClient("authcheck");
        var q = await Assert.ThrowsAsync<StorageException>(() => queue.CreateIfNotExistsAsync());
        Assert.Equal(StorageErrorKind.AuthenticationFailed, q.Kind);

        // The same calls signed with the right key succeed: the service really checks signatures.
        var right = StorageConnection.ForSharedKey(AzuriteFixture.AccountName, AzuriteFixture.AccountKey, azurite.TableEndpoint, azurite.QueueEndpoint);
        await new TableServiceClient(right).GetTableClient("authcheck").CreateIfNotExistsAsync();
        await new QueueServiceClient(right).GetQueueClient("authcheck").CreateIfNotExistsAsync();
    }

    [Fact]
    public async Task RequestCounter_CountsPerService()
    {
        var counter = new StorageRequestCounter();
        var options = new StorageClientOptions { RequestCounter = counter };
        var connection = Azurite.Connection(azurite);
        var table = new TableServiceClient(connection, options).GetTableClient(Azurite.UniqueName("count"));
        await table.CreateIfNotExistsAsync();
        await table.UpsertEntityAsync(new TableEntity("p", "r"));
        await table.GetEntityAsync("p", "r");
        var queue = new QueueServiceClient(connection, options).GetQueueClient("count-" + Guid.NewGuid().ToString("N")[..8]);
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("x");
        Assert.Equal(3, counter.Tables);
        Assert.Equal(2, counter.Queues);
        Assert.Equal(5, counter.Total);
        counter.Reset();
        Assert.Equal(0, counter.Total);
    }

    [Fact]
    public async Task Pipeline_SendsPinnedVersions()
    {
        // Azurite rejects versions it does not know; an unknown one proves the header is what is sent.
        var options = new StorageClientOptions { TableApiVersion = "2099-01-01" };
        var table = new TableServiceClient(Azurite.Connection(azurite), options).GetTableClient(Azurite.UniqueName("ver"));
        var e = await Assert.ThrowsAsync<StorageException>(() => table.CreateIfNotExistsAsync());
        Assert.Equal(400, e.Status);
        Assert.Equal("2020-12-06", StorageClientOptions.DefaultTableApiVersion);
        Assert.Equal("2021-12-02", StorageClientOptions.DefaultQueueApiVersion);
    }
}
