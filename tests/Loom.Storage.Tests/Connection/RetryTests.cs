using Azure.Core;
using Loom.Storage.Connection;
using Loom.Storage.Tables;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Loom.Storage.Tests.Connection;

/// <summary>Azure.Core's retries and the typed errors, against a real Kestrel that answers like a busy Table service.</summary>
public sealed class RetryTests : IAsyncLifetime
{
    private WebApplication? _app;
    private int _requests;
    private Func<int, (int Status, string? Code)> _plan = _ => (200, null);

    private Uri Endpoint => new(_app!.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/devstoreaccount1");

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.Run(async context =>
        {
            var n = Interlocked.Increment(ref _requests);
            var (status, code) = _plan(n);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            if (status == 200)
            {
                context.Response.Headers.ETag = "W/\"datetime'2026-11-22T08%3A00%3A00Z'\"";
                await context.Response.WriteAsync("{\"PartitionKey\":\"p\",\"RowKey\":\"r\",\"V\":7}");
            }
            else
            {
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

    private TableClient Client(StorageRequestCounter counter)
    {
        var options = new StorageClientOptions { RequestCounter = counter };
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.Mode = RetryMode.Fixed;
        var connection = StorageConnection.ForSharedKey("devstoreaccount1", StorageConnection.DevelopmentAccountKey, Endpoint, Endpoint);
        return new TableServiceClient(connection, options).GetTableClient("busy");
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
        var entity = await Client(counter).GetEntityAsync("p", "r");
        Assert.Equal(7, entity!["V"]);
        Assert.Equal(3, counter.Tables);
    }

    [Theory]
    [InlineData(503, "ServerBusy", StorageErrorKind.Throttled)]
    [InlineData(429, "TooManyRequests", StorageErrorKind.Throttled)]
    [InlineData(500, "InternalError", StorageErrorKind.ServerError)]
    public async Task Transient_Persisting_TypedErrorAfterRetries(int status, string code, StorageErrorKind kind)
    {
        _plan = _ => (status, code);
        var counter = new StorageRequestCounter();
        var e = await Assert.ThrowsAsync<StorageException>(() => Client(counter).GetEntityAsync("p", "r"));
        Assert.Equal(kind, e.Kind);
        Assert.Equal(code, e.ErrorCode);
        Assert.Contains($"{code} says no", e.Message, StringComparison.Ordinal);
        Assert.Equal(4, counter.Tables);
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
        var e = await Assert.ThrowsAsync<StorageException>(() => Client(counter).UpsertEntityAsync(new TableEntity("p", "r")));
        Assert.Equal(kind, e.Kind);
        Assert.Equal(1, counter.Tables);
    }
}
