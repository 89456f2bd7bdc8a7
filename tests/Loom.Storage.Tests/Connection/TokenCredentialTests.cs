using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Loom.Storage.Connection;
using Loom.Storage.Queues;
using Loom.Storage.Tables;
using Loom.Testing;

namespace Loom.Storage.Tests.Connection;

/// <summary>Bearer tokens against a real Azurite that serves HTTPS and validates tokens (--oauth basic: lifetime, issuer, audience).</summary>
/// <remarks>Entra ID cannot be reached from tests, so the credential mints an unsigned token of the right shape; the service side is real.</remarks>
public sealed class TokenCredentialTests : IAsyncLifetime
{
    private readonly AzuriteFixture _azurite = AzuriteFixture.CreateHttpsWithOAuth();

    public Task InitializeAsync() => _azurite.InitializeAsync();

    public Task DisposeAsync() => _azurite.DisposeAsync();

    private StorageClientOptions TrustingOptions()
    {
        var thumbprint = _azurite.Certificate!.Thumbprint;
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == thumbprint,
        };
        return new StorageClientOptions { Transport = new HttpClientTransport(handler) };
    }

    [Fact]
    public async Task Bearer_ValidToken_AcceptedByTablesAndQueues_WithStorageScope()
    {
        var credential = new JwtShapedCredential("https://storage.azure.com", TimeSpan.FromHours(1));
        var connection = StorageConnection.ForTokenCredential(_azurite.TableEndpoint, _azurite.QueueEndpoint, credential);
        Assert.False(connection.UsesSharedKey);
        Assert.Equal("devstoreaccount1", connection.AccountName);

        var table = new TableServiceClient(connection, TrustingOptions()).GetTableClient("tokens");
        Assert.True(await table.CreateIfNotExistsAsync());
        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["V"] = 1 });
        Assert.Equal(1, (await table.GetEntityAsync("p", "r"))!["V"]);

        var queue = new QueueServiceClient(connection, TrustingOptions()).GetQueueClient("tokens");
        Assert.True(await queue.CreateIfNotExistsAsync());
        await queue.SendMessageAsync("hello");
        Assert.Equal("hello", Assert.Single(await queue.ReceiveMessagesAsync(1)).Text);

        Assert.All(credential.RequestedScopes, s => Assert.Equal(StoragePipeline.StorageScope, s));
        Assert.NotEmpty(credential.RequestedScopes);
    }

    [Fact]
    public async Task Bearer_WrongAudience_RejectedAsAuthenticationFailed()
    {
        var credential = new JwtShapedCredential("https://vault.azure.net", TimeSpan.FromHours(1));
        var connection = StorageConnection.ForTokenCredential(_azurite.TableEndpoint, _azurite.QueueEndpoint, credential);
        var table = new TableServiceClient(connection, TrustingOptions()).GetTableClient("tokens");
        var e = await Assert.ThrowsAsync<StorageException>(() => table.CreateIfNotExistsAsync());
        Assert.Equal(StorageErrorKind.AuthenticationFailed, e.Kind);
    }

    private sealed class JwtShapedCredential(string audience, TimeSpan lifetime) : TokenCredential
    {
        public List<string> RequestedScopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            lock (RequestedScopes)
            {
                RequestedScopes.AddRange(requestContext.Scopes);
            }

            var now = DateTimeOffset.UtcNow;
            var payload = new Dictionary<string, object>
            {
                ["aud"] = audience,
                ["iss"] = "https://sts.windows.net/00000000-0000-0000-0000-000000000001/",
                ["iat"] = now.ToUnixTimeSeconds(),
                ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
                ["exp"] = now.Add(lifetime).ToUnixTimeSeconds(),
                ["oid"] = "00000000-0000-0000-0000-000000000002",
            };
            var token = $"{Base64Url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}")}.{Base64Url(JsonSerializer.Serialize(payload))}.{Base64Url("unsigned")}";
            return new AccessToken(token, now.Add(lifetime));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));

        private static string Base64Url(string text) =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
