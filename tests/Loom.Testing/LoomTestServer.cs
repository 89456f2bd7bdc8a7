using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;
using Loom.SampleBackend;
using Loom.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Loom.Testing;

/// <summary>The sample backend on 127.0.0.1, recording every request.</summary>
public sealed class BackendFixture : IAsyncLifetime
{
    private WebApplication? _app;

    /// <summary>What the backend received.</summary>
    public RequestLog Log { get; } = new();

    /// <summary>Base URL, e.g. http://127.0.0.1:5123.</summary>
    public string BaseUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _app = SampleBackendApp.Build(["--urls", "http://127.0.0.1:0"], Log);
        await _app.StartAsync();
        BaseUrl = Addresses(_app).First();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    internal static IEnumerable<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => a.TrimEnd('/'));
}

/// <summary>A Loom server started in-process on 127.0.0.1 with its own table prefix, and a client for its API.</summary>
public sealed class LoomTestServer : ILoomHost
{
    public const string AdminKey = "test-admin-key-0123456789";
    public const string OperatorKey = "test-operator-key-0123456789";
    public const string ReaderKey = "test-reader-key-0123456789";

    /// <summary>The configured name of <see cref="OperatorKey"/>, which the audit logs record.</summary>
    public const string OperatorKeyName = "operator-key";

    private readonly WebApplication _app;

    private LoomTestServer(WebApplication app, string baseUrl, string prefix)
    {
        _app = app;
        BaseUrl = baseUrl;
        TablePrefix = prefix;
        Client = NewClient(AdminKey);
    }

    public string BaseUrl { get; }

    public string TablePrefix { get; }

    /// <summary>A client with the admin key.</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a server on Azurite with loopback callbacks allowed.</summary>
    public static async Task<LoomTestServer> StartAsync(AzuriteFixture azurite, IDictionary<string, string?>? settings = null, string? prefix = null,
        Action<IServiceCollection>? services = null)
    {
        prefix ??= "t" + Guid.NewGuid().ToString("N")[..10];
        var port = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var config = new Dictionary<string, string?>
        {
            ["Loom:StorageConnectionString"] = azurite.ConnectionString,
            ["Loom:TablePrefix"] = prefix,
            ["Loom:ApiKeys:0:Key"] = AdminKey,
            ["Loom:ApiKeys:0:Role"] = "admin",
            ["Loom:ApiKeys:0:Name"] = "admin-key",
            ["Loom:ApiKeys:1:Key"] = OperatorKey,
            ["Loom:ApiKeys:1:Role"] = "operator",
            ["Loom:ApiKeys:1:Name"] = OperatorKeyName,
            ["Loom:ApiKeys:2:Key"] = ReaderKey,
            ["Loom:ApiKeys:2:Role"] = "reader",
            ["Loom:CallbackSigningKey"] = "test-callback-signing-key-0123456789",
            ["Loom:PublicBaseUrl"] = baseUrl,
            ["Loom:AllowLoopback"] = "true",
            ["Loom:InstanceName"] = prefix,
            ["Loom:SchedulerEnabled"] = "false",
            ["Loom:RecoveryInterval"] = "00:00:01",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) config[k] = v;
        var app = LoomServerHost.Build(["--urls", baseUrl], builder =>
        {
            builder.Configuration.AddInMemoryCollection(config);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            // Before Loom's own services, which add theirs only where none is registered (a test's fault-injecting decorator).
            services?.Invoke(builder.Services);
        });
        await app.StartAsync();
        return new LoomTestServer(app, baseUrl, prefix);
    }

    /// <inheritdoc />
    public HttpClient NewClient(string? key)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null) client.DefaultRequestHeaders.Add("x-functions-key", key);
        return client;
    }

    /// <summary>Registers a YAML workflow and asserts it was accepted.</summary>
    public Task RegisterAsync(string yaml) => LoomHostClient.RegisterAsync(this, yaml);

    /// <summary>Triggers a run and returns its id.</summary>
    public Task<string> TriggerAsync(string workflowId, JsonObject? parameters = null) => LoomHostClient.TriggerAsync(this, workflowId, parameters);

    public Task<JsonObject> GetRunAsync(string runId) => LoomHostClient.GetRunAsync(this, runId);

    /// <summary>Polls a run until it is final (or fails the test after the timeout).</summary>
    public Task<JsonObject> WaitForRunAsync(string runId, TimeSpan? timeout = null, Func<JsonObject, bool>? until = null) =>
        LoomHostClient.WaitForRunAsync(this, runId, timeout, until);

    public static JsonObject Task(JsonObject run, string taskId) => LoomHostClient.Task(run, taskId);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
