using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Execution;
using Loom.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Loom.Server.Tests.Chaos;

/// <summary>
/// Probes of issue 12 through a running server and a hostile backend on 127.0.0.1: secrets rendered into a URL stay out of
/// what readers see, redirects carry nothing to another origin, a missing signing secret fails loudly, parameters cannot
/// reshape a URL, and a callback posted while its call is in flight is applied, not acknowledged and dropped.
/// </summary>
[Collection("server")]
public sealed class HostileBackendTests(AzuriteFixture azurite)
{
    private const string PathSecret = "pAtH-s3cr3t-4711";
    private const string KeySecret = "k3y-s3cr3t-0815";

    [Fact]
    public async Task SecretInUrlPath_EchoedByBackend_ReaderSeesItNowhere()
    {
        await using var backend = await HostileBackend.StartAsync();
        // The backend echoes the path it was called on in its error body, which Loom quotes in the attempt's error.
        backend.On("echo", async context =>
        {
            context.Response.StatusCode = 500;
            await context.Response.WriteAsync($"no handler for {context.Request.Path}");
        });
        var log = new CapturedLog();
        await using var server = await LoomTestServer.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Loom:Secrets:PATHSECRET"] = PathSecret,
            // The failed attempt is logged at Information, below the test server's default level.
            ["Logging:LogLevel:Loom.Server.Engine"] = "Information",
        }, services: s => s.AddSingleton<ILoggerProvider>(log));
        await server.RegisterAsync($$$"""
            id: path-secret
            tasks:
              - id: t
                url: {{{backend.BaseUrl}}}/echo/p/${{ secrets.PATHSECRET }}/x
                retry: { maxAttempts: 1 }
            """);

        var runId = await server.TriggerAsync("path-secret");
        var run = await server.WaitForRunAsync(runId);

        Assert.Equal("failed", run["status"]!.GetValue<string>());
        Assert.Contains($"/echo/p/{PathSecret}/x", backend.Received.Single().Path, StringComparison.Ordinal);
        using var reader = server.NewClient(LoomTestServer.ReaderKey);
        var id = Uri.EscapeDataString(runId);
        foreach (var path in new[] { $"/api/runs/{id}", $"/api/runs/{id}/events", $"/api/runs/{id}/tasks/t/attempts" })
        {
            var text = await reader.GetStringAsync(path);
            Assert.DoesNotContain(PathSecret, text, StringComparison.OrdinalIgnoreCase);
        }
        var attempt = (await reader.GetFromJsonAsync<JsonObject>($"/api/runs/{id}/tasks/t/attempts"))!["items"]![0]!;
        Assert.EndsWith("/echo/p/***/x", attempt["request"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("/echo/p/***/x", attempt["error"]!.GetValue<string>(), StringComparison.Ordinal);
        var logged = Assert.Single(log.Lines, l => l.Contains("Task " + runId + "/t attempt 1", StringComparison.Ordinal));
        Assert.Contains("/echo/p/***/x", logged, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Lines, l => l.Contains(PathSecret, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task CallbackTask307ToOtherOrigin_EnvelopeAndSecretsNotForwarded()
    {
        await using var backend = await HostileBackend.StartAsync();
        var elsewhere = $"http://localhost:{backend.Port}/capture";
        backend.On("r307", context =>
        {
            context.Response.StatusCode = 307;
            context.Response.Headers.Location = elsewhere;
            return Task.CompletedTask;
        });
        backend.On("capture", context => context.Response.WriteAsync("{}"));
        await using var server = await StartAsync();
        await server.RegisterAsync($$$"""
            id: redirect-307
            tasks:
              - id: t
                url: {{{backend.BaseUrl}}}/r307
                completion: callback
                headers:
                  X-Api-Key: ${{ secrets.KEY }}
                  User-Agent: team-agent
                retry: { maxAttempts: 1 }
            """);

        var run = await server.WaitForRunAsync(await server.TriggerAsync("redirect-307"));

        Assert.Equal("failed", run["status"]!.GetValue<string>());
        Assert.Contains("leaves the origin", LoomTestServer.Task(run, "t")["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(backend.Received, r => r.Path.StartsWith("/capture", StringComparison.Ordinal));
        var first = backend.Received.Single(r => r.Path == "/r307");
        Assert.Contains("callbackUrl", first.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post302ToOtherOrigin_GetWithoutBodyTaskHeadersOrUserAgent()
    {
        await using var backend = await HostileBackend.StartAsync();
        var elsewhere = $"http://localhost:{backend.Port}/capture";
        backend.On("r302", context =>
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = elsewhere;
            return Task.CompletedTask;
        });
        backend.On("capture", context => context.Response.WriteAsync("{}"));
        await using var server = await StartAsync();
        await server.RegisterAsync($$$"""
            id: redirect-302
            tasks:
              - id: t
                url: {{{backend.BaseUrl}}}/r302
                headers:
                  X-Api-Key: ${{ secrets.KEY }}
                  User-Agent: team-agent
                body: { token: "${{ secrets.KEY }}" }
            """);

        var run = await server.WaitForRunAsync(await server.TriggerAsync("redirect-302"));

        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        var hop = backend.Received.Single(r => r.Path == "/capture");
        Assert.Equal("GET", hop.Method);
        Assert.Equal("", hop.Body);
        Assert.False(hop.Headers.ContainsKey("X-Api-Key"));
        Assert.Equal(HttpTaskRequestFactory.UserAgent, hop.Headers["User-Agent"]);
        Assert.DoesNotContain(KeySecret, string.Join("\n", hop.Headers.Values), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://10.0.0.1/internal")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    public async Task BodilessRedirectToInternalAddress_FollowedAndRefusedByTheGuardAtTheHop(string internalUrl)
    {
        // Loopback is allowed (the backend is on it); these targets stay refused, so no packet leaves this machine.
        foreach (var address in new[] { "10.0.0.1", "169.254.169.254" })
        {
            Assert.NotNull(SsrfGuard.RefusalReason(IPAddress.Parse(address), new SsrfGuardOptions { AllowLoopback = true }));
        }
        await using var backend = await HostileBackend.StartAsync();
        backend.On("r303", context =>
        {
            context.Response.StatusCode = 303;
            context.Response.Headers.Location = internalUrl;
            return Task.CompletedTask;
        });
        await using var server = await StartAsync();
        await server.RegisterAsync($"""
            id: redirect-internal
            tasks:
              - id: t
                url: {backend.BaseUrl}/r303
                retry: {"{"} maxAttempts: 2, delay: 10ms {"}"}
            """);

        var run = await server.WaitForRunAsync(await server.TriggerAsync("redirect-internal"));

        Assert.Equal("failed", run["status"]!.GetValue<string>());
        var attempts = (await server.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(run["runId"]!.GetValue<string>())}/tasks/t/attempts"))!["items"]!.AsArray();
        var attempt = Assert.Single(attempts)!;
        Assert.Equal("refused", attempt["outcome"]!.GetValue<string>());
        Assert.Contains("SSRF guard", attempt["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SigningSecretNotOnHost_RegistrationWarnsAndTaskFailsUnsent()
    {
        await using var backend = await HostileBackend.StartAsync();
        backend.On("signed", context => context.Response.WriteAsync("{}"));
        await using var server = await StartAsync();
        var yaml = $"""
            id: unsigned
            signingSecret: NOT_ON_THIS_HOST
            tasks:
              - id: t
                url: {backend.BaseUrl}/signed
            """;

        using var content = new StringContent(yaml, Encoding.UTF8, "application/yaml");
        var response = await server.Client.PostAsync("/api/workflows", content);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        using var validateContent = new StringContent(yaml, Encoding.UTF8, "application/yaml");
        var validated = JsonNode.Parse(await (await server.Client.PostAsync("/api/workflows/validate", validateContent)).Content.ReadAsStringAsync())!;
        var run = await server.WaitForRunAsync(await server.TriggerAsync("unsigned"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Contains("signingSecret 'NOT_ON_THIS_HOST' is not configured on this host", body["warnings"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(validated["valid"]!.GetValue<bool>());
        Assert.Single(validated["warnings"]!.AsArray());
        Assert.Equal("failed", run["status"]!.GetValue<string>());
        Assert.Contains("signing secret 'NOT_ON_THIS_HOST' is not configured", LoomTestServer.Task(run, "t")["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(backend.Received);
    }

    [Fact]
    public async Task ParamsInUrl_TraversalStaysInItsSegmentAndHostWithAtIsRefused()
    {
        await using var backend = await HostileBackend.StartAsync();
        backend.On("api", context => context.Response.WriteAsync("{}"));
        backend.On("admin", context => context.Response.WriteAsync("{}"));
        await using var server = await StartAsync();
        await server.RegisterAsync($$$"""
            id: url-params
            params: { p: fine, host: 127.0.0.1 }
            tasks:
              - id: t
                url: {{{backend.BaseUrl}}}/api/${{ params.p }}/detail
              - id: h
                url: http://${{ params.host }}:{{{backend.Port}}}/api/h
            """);

        var run = await server.WaitForRunAsync(await server.TriggerAsync("url-params", new JsonObject { ["p"] = "../../../admin?x=#" }));
        var hostile = await server.Client.PostAsJsonAsync("/api/workflows/url-params/runs",
            new JsonObject { ["params"] = new JsonObject { ["host"] = $"127.0.0.1:{backend.Port}@localhost" } });

        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        Assert.DoesNotContain(backend.Received, r => r.Path.StartsWith("/admin", StringComparison.Ordinal));
        Assert.Contains(backend.Received, r => r.Path == "/api/..%2F..%2F..%2Fadmin%3Fx%3D%23/detail");
        Assert.Equal(HttpStatusCode.BadRequest, hostile.StatusCode);
        var problem = JsonNode.Parse(await hostile.Content.ReadAsStringAsync())!;
        Assert.Contains("parameter 'host' must be a host name or IP address", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <param name="awaitTheCallback">
    /// True: the backend answers its call only once its callback was answered (on the old code that deadlocked until the
    /// attempt timed out). False: it posts the callback, answers the call 200 a moment later, then reads the callback's answer.
    /// </param>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FailedCallbackWhileCallInFlight_AcceptedAndAppliedOrRefused(bool awaitTheCallback)
    {
        await using var backend = await HostileBackend.StartAsync();
        var callbackAnswer = new TaskCompletionSource<(int Status, string Body)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        backend.On("early", async context =>
        {
            // Report FAILED to the callback URL first, then answer the call itself 200.
            var envelope = JsonNode.Parse(await new StreamReader(context.Request.Body).ReadToEndAsync())!;
            var posting = http.PostAsJsonAsync(envelope["callbackUrl"]!.GetValue<string>(), new JsonObject { ["status"] = "FAILED", ["message"] = "disk full" });
            _ = posting.ContinueWith(async p =>
            {
                var posted = await p;
                callbackAnswer.TrySetResult(((int)posted.StatusCode, await posted.Content.ReadAsStringAsync()));
            }, TaskScheduler.Default);
            if (awaitTheCallback) await callbackAnswer.Task;
            else await Task.Delay(300);
            await context.Response.WriteAsync("{}");
        });
        backend.On("ok", context => context.Response.WriteAsync("{}"));
        await using var server = await StartAsync();
        await server.RegisterAsync($"""
            id: early-callback
            tasks:
              - id: t
                url: {backend.BaseUrl}/early
                completion: callback
                retry: {"{"} maxAttempts: 1 {"}"}
              - id: after
                url: {backend.BaseUrl}/ok
                dependsOn: [t]
            """);

        var run = await server.WaitForRunAsync(await server.TriggerAsync("early-callback"), TimeSpan.FromSeconds(20));
        var (status, body) = await callbackAnswer.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var task = LoomTestServer.Task(run, "t");
        if (status == 409)
        {
            // Slower than the call's answer: refused with the reason, and the call's answer stands.
            Assert.False(awaitTheCallback);
            Assert.Contains("not waiting for this callback", JsonNode.Parse(body)!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal("succeeded", task["status"]!.GetValue<string>());
            return;
        }

        Assert.Equal(202, status);
        Assert.True(JsonNode.Parse(body)!["accepted"]!.GetValue<bool>());
        Assert.Equal("failed", run["status"]!.GetValue<string>());
        Assert.Equal("failed", task["status"]!.GetValue<string>());
        Assert.Contains("disk full", task["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(backend.Received, r => r.Path == "/ok");
    }

    private Task<LoomTestServer> StartAsync() => LoomTestServer.StartAsync(azurite, new Dictionary<string, string?>
    {
        ["Loom:Secrets:PATHSECRET"] = PathSecret,
        ["Loom:Secrets:KEY"] = KeySecret,
    });

    /// <summary>Every log line the server writes, formatted.</summary>
    private sealed class CapturedLog : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");

        public void Dispose()
        {
        }
    }

    /// <summary>A request as the hostile backend saw it.</summary>
    private sealed record Seen(string Method, string Path, Dictionary<string, string> Headers, string Body);

    /// <summary>A Kestrel backend on 127.0.0.1 whose answers each test scripts by the first path segment, recording every request.</summary>
    private sealed class HostileBackend : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, RequestDelegate> _handlers = new(StringComparer.Ordinal);
        private readonly ConcurrentQueue<Seen> _received = new();
        private WebApplication _app = null!;

        public string BaseUrl { get; private set; } = "";

        public int Port => new Uri(BaseUrl).Port;

        public IReadOnlyList<Seen> Received => [.. _received];

        public void On(string segment, RequestDelegate handler) => _handlers[segment] = handler;

        public static async Task<HostileBackend> StartAsync()
        {
            var backend = new HostileBackend();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            backend._app = builder.Build();
            backend._app.Run(backend.HandleAsync);
            await backend._app.StartAsync();
            backend.BaseUrl = backend._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
            return backend;
        }

        private async Task HandleAsync(HttpContext context)
        {
            context.Request.EnableBuffering();
            var body = await new StreamReader(context.Request.Body, leaveOpen: true).ReadToEndAsync();
            context.Request.Body.Position = 0;
            // The raw target, as sent: the decoded Path would hide how a value was encoded.
            var target = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget;
            var path = target.Split('?')[0];
            _received.Enqueue(new Seen(context.Request.Method, path,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
            var segment = path.TrimStart('/').Split('/')[0];
            if (_handlers.TryGetValue(segment, out var handler))
            {
                await handler(context);
            }
            else
            {
                context.Response.StatusCode = 404;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
