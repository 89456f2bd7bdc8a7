using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Loom.Testing;

namespace Loom.Storage.Tests.Connection;

/// <summary>Bearer tokens (the managed-identity path) against a real Azurite that serves HTTPS and validates tokens (--oauth basic: lifetime, issuer, audience).</summary>
/// <remarks>Entra ID cannot be reached from tests, so the credential mints an unsigned token of the right shape; the service side is real.</remarks>
public sealed class TokenCredentialTests : IAsyncLifetime
{
    private readonly AzuriteFixture _azurite = AzuriteFixture.CreateHttpsWithOAuth();

    public Task InitializeAsync() => _azurite.InitializeAsync();

    public Task DisposeAsync() => _azurite.DisposeAsync();

    private TableClientOptions TrustingOptions(StorageRequestCounter? counter = null)
    {
        var thumbprint = _azurite.Certificate!.Thumbprint;
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == thumbprint,
        };
        var options = new TableClientOptions { Transport = new HttpClientTransport(handler) };
        return counter?.AddTo(options) ?? options;
    }

    [Fact]
    public async Task Bearer_ValidToken_StoresWork_WithStorageScope_AndNoExtraRequests()
    {
        var credential = new JwtShapedCredential("https://storage.azure.com", TimeSpan.FromHours(1));
        var counter = new StorageRequestCounter();
        var wire = new WireRecorder();
        var options = TrustingOptions(counter);
        options.AddPolicy(wire, HttpPipelinePosition.PerRetry);
        var storage = LoomStorageAccount.Create(_azurite.TableEndpoint, credential, "tokens", options);
        Assert.Equal(AzuriteFixture.AccountName, storage.Tables.AccountName);

        Assert.True((await storage.Workflows.RegisterAsync("wf", "h1", "id: wf", DateTimeOffset.UnixEpoch)).Created);
        Assert.Equal(1, (await storage.Workflows.GetHeadAsync("wf"))!.CurrentVersion);
        // Create the table, read the head, commit version and head, read the head: no challenge round trips (no 401 answered
        // and retried). The SDK's own retries of a request a loaded machine timed out or refused are not what this is about.
        Assert.DoesNotContain(401, wire.Statuses);
        Assert.Equal(4, wire.FirstTries);
        Assert.Equal(wire.Statuses.Count, counter.Total);
        Assert.True(await storage.PingAsync(default));

        Assert.NotEmpty(credential.RequestedScopes);
        Assert.All(credential.RequestedScopes, s => Assert.Equal("https://storage.azure.com/.default", s));
    }

    [Fact]
    public async Task Bearer_WrongAudience_RejectedAsAuthenticationFailed()
    {
        var credential = new JwtShapedCredential("https://vault.azure.net", TimeSpan.FromHours(1));
        var storage = LoomStorageAccount.Create(_azurite.TableEndpoint, credential, "tokens", TrustingOptions());
        var e = await Assert.ThrowsAsync<StorageException>(() => storage.Workflows.GetHeadAsync("wf"));
        Assert.Equal(StorageErrorKind.AuthenticationFailed, e.Kind);
    }

    /// <summary>Every request on the wire: its answer's status (0 for none) and whether it was a first try.</summary>
    private sealed class WireRecorder : HttpPipelinePolicy
    {
        private int _firstTries;

        public List<int> Statuses { get; } = [];

        public int FirstTries => Volatile.Read(ref _firstTries);

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            try
            {
                ProcessNext(message, pipeline);
            }
            finally
            {
                Record(message);
            }
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            try
            {
                await ProcessNextAsync(message, pipeline);
            }
            finally
            {
                Record(message);
            }
        }

        private void Record(HttpMessage message)
        {
            if (message.ProcessingContext.RetryNumber == 0) Interlocked.Increment(ref _firstTries);
            lock (Statuses) Statuses.Add(message.HasResponse ? message.Response.Status : 0);
        }
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
