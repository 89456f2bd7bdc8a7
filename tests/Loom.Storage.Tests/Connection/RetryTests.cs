using Azure.Core;
using Azure.Data.Tables;
using Loom.Storage.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Loom.Storage.Tests.Connection;

/// <summary>The SDK's retries (Azure.Core's, as before) and the typed errors, against a real Kestrel that answers like a busy Table service.</summary>
public sealed class RetryTests : IAsyncLifetime
{
    private WebApplication? _app;
    private int _requests;
    private Func<int, (int Status, string? Code)> _plan = _ => (200, null);

    private string Endpoint => _app!.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/devstoreaccount1";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.Run(async context =>
        {
            context.Response.ContentType = "application/json;odata=minimalmetadata";
            if (context.Request.Path.Value!.EndsWith("/Tables", StringComparison.Ordinal))
            {
                // The table exists already; table creation is not what these tests count.
                context.Response.StatusCode = 409;
                await context.Response.WriteAsync("{\"odata.error\":{\"code\":\"TableAlreadyExists\",\"message\":{\"lang\":\"en-US\",\"value\":\"exists\"}}}");
                return;
            }

            var n = Interlocked.Increment(ref _requests);
            var (status, code) = _plan(n);
            context.Response.StatusCode = status;
            if (status is 200 or 204)
            {
                context.Response.Headers.ETag = "W/\"datetime'2026-11-22T08%3A00%3A00Z'\"";
                if (status == 200)
                {
                    await context.Response.WriteAsync("{\"PartitionKey\":\"p\",\"RowKey\":\"r\",\"V\":7}");
                }
            }
            else
            {
                context.Response.Headers["x-ms-error-code"] = code;
                await context.Response.WriteAsync($"{{\"odata.error\":{{\"code\":\"{code}\",\"message\":{{\"lang\":\"en-US\",\"value\":\"{code} says no\"}}}}}}");
            }
        });
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private LoomTable Table(StorageRequestCounter counter)
    {
        var options = counter.AddTo(new TableClientOptions());
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.Mode = RetryMode.Fixed;
        var connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Loom.Testing.AzuriteFixture.AccountKey};TableEndpoint={Endpoint};";
        return new LoomTable(new TableServiceClient(connection, options), "busy");
    }

    [Theory]
    [InlineData(503, "ServerBusy")]
    [InlineData(500, "InternalError")]
    [InlineData(429, "TooManyRequests")]
    [InlineData(408, "OperationTimedOut")]
    public async Task Transient_ThenSuccess_RetriedByThePipeline(int status, string code)
    {
        _plan = n => n <= 2 ? (status, code) : (200, null);
        var counter = new StorageRequestCounter();
        var entity = await Table(counter).GetAsync("p", "r", default);
        Assert.Equal(7, entity!.GetInt32("V"));
        Assert.Equal(1 + 3, counter.Total); // the table create, then two failures and the success
    }

    [Theory]
    [InlineData(503, "ServerBusy", StorageErrorKind.Throttled)]
    [InlineData(429, "TooManyRequests", StorageErrorKind.Throttled)]
    [InlineData(500, "InternalError", StorageErrorKind.ServerError)]
    public async Task Transient_Persisting_TypedErrorAfterRetries(int status, string code, StorageErrorKind kind)
    {
        _plan = _ => (status, code);
        var counter = new StorageRequestCounter();
        var e = await Assert.ThrowsAsync<StorageException>(() => Table(counter).GetAsync("p", "r", default));
        Assert.Equal(kind, e.Kind);
        Assert.Equal(code, e.ErrorCode);
        Assert.Contains($"{code} says no", e.Message, StringComparison.Ordinal);
        Assert.Equal(1 + 4, counter.Total);
    }

    [Theory]
    [InlineData(413, "RequestBodyTooLarge", StorageErrorKind.TooLarge)]
    [InlineData(400, "EntityTooLarge", StorageErrorKind.TooLarge)]
    [InlineData(400, "InvalidInput", StorageErrorKind.BadRequest)]
    [InlineData(403, "AuthenticationFailed", StorageErrorKind.AuthenticationFailed)]
    public async Task NonTransient_NotRetried_Typed(int status, string code, StorageErrorKind kind)
    {
        _plan = _ => (status, code);
        var counter = new StorageRequestCounter();
        var e = await Assert.ThrowsAsync<StorageException>(() => Table(counter).UpsertAsync(new TableEntity("p", "r"), default));
        Assert.Equal(kind, e.Kind);
        Assert.Equal(1 + 1, counter.Total);
    }

    [Fact]
    public async Task NoService_TransportFailure_StaysTheSdksStatusZeroExceptions()
    {
        // Nothing listens there: the hosts' outage handling recognises the SDK's status-0 exception, so it is not re-typed.
        var port = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        port.Start();
        var closed = ((System.Net.IPEndPoint)port.LocalEndpoint).Port;
        port.Stop();
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 1;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        var connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Loom.Testing.AzuriteFixture.AccountKey};TableEndpoint=http://127.0.0.1:{closed}/devstoreaccount1;";
        var table = new LoomTable(new TableServiceClient(connection, options), "down");
        var e = await Record.ExceptionAsync(() => table.GetAsync("p", "r", default));

        // Azure.Core gives up with one status-0 failure per attempt, gathered in an AggregateException.
        var failures = e is AggregateException all ? all.InnerExceptions : [e!];
        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.Equal(0, Assert.IsType<Azure.RequestFailedException>(f).Status));

        // The health probe says "unhealthy" rather than throwing what the retries gathered.
        Assert.False(await LoomStorageAccount.Create(connection, "down", options).PingAsync(default));
    }
}
