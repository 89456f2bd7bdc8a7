using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Stores;
using Loom.Storage;
using Loom.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Loom.Server.Tests.Chaos;

/// <summary>
/// The limits of issue 12, probed end to end on the self-hosted server: a reader key's alias bomb, a backend's deeply nested or
/// oversized outputs (by response and by callback), a commit storage can never accept, continuation tokens of another
/// listing, and the memory the process keeps after such probes.
/// </summary>
[Collection("server")]
public sealed class HostileLimitsTests(AzuriteFixture azurite, BackendFixture backend, ITestOutputHelper output)
{
    [Fact]
    public async Task Validate_AnchoredListReferencedByAHundredTasks_413WithOneErrorNotAMillion()
    {
        await using var server = await LoomTestServer.StartAsync(azurite);
        using var reader = server.NewClient(LoomTestServer.ReaderKey);
        var bomb = AliasedDependsOn(10_000, 100);

        var clock = Stopwatch.StartNew();
        using var response = await reader.PostAsync("/api/workflows/validate", new StringContent(bomb, Encoding.UTF8, "application/yaml"));
        var body = await response.Content.ReadAsStringAsync();
        clock.Stop();
        output.WriteLine($"validate: {bomb.Length:N0}-byte body -> {(int)response.StatusCode}, {body.Length:N0}-byte answer in {clock.ElapsedMilliseconds} ms");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = JsonNode.Parse(body)!;
        var error = Assert.Single(problem["errors"]!.AsArray())!;
        Assert.Contains("more than 200,000 values with its aliases expanded", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(62, error["line"]!.GetValue<int>());
        Assert.True(body.Length < 2_000, body);

        // Registration reads the same way.
        using var registered = await server.Client.PostAsync("/api/workflows", new StringContent(bomb, Encoding.UTF8, "application/yaml"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, registered.StatusCode);
        Assert.Empty(JsonNode.Parse(await server.Client.GetStringAsync("/api/workflows"))!["items"]!.AsArray());
    }

    [Fact]
    public async Task Validate_TensOfThousandsOfErrors_FirstHundredListedAndAllCounted()
    {
        await using var server = await LoomTestServer.StartAsync(azurite);
        using var reader = server.NewClient(LoomTestServer.ReaderKey);

        using var response = await reader.PostAsync("/api/workflows/validate", new StringContent(AliasedDependsOn(999, 50), Encoding.UTF8, "application/yaml"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonNode.Parse(body)!;
        Assert.False(answer["valid"]!.GetValue<bool>());
        Assert.Equal(49_950, answer["errorCount"]!.GetValue<int>());
        Assert.Equal(101, answer["errors"]!.AsArray().Count);
        Assert.StartsWith("... and 49,850 more error(s)", answer["errors"]![100]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(body.Length < 40_000, $"{body.Length:N0} bytes");
    }

    [Theory]
    [InlineData(62)]
    [InlineData(63)]
    public async Task Run_ResponseOutputNestedTooDeep_TaskFailsForGoodAndTheRunEnds(int depth)
    {
        await using var stub = await HostileBackend.StartAsync();
        await using var server = await LoomTestServer.StartAsync(azurite);
        await server.RegisterAsync($"""
            id: deep
            tasks:
              - id: a
                url: {stub.BaseUrl}/deep/{depth}
                retry: {"{"} maxAttempts: 3, delay: 10ms {"}"}
              - id: b
                url: {backend.BaseUrl}/api/tasks/b
                dependsOn: [a]
            """);

        var runId = await server.TriggerAsync("deep");
        var run = await server.WaitForRunAsync(runId, TimeSpan.FromSeconds(20));

        Assert.Equal("failed", run["status"]!.GetValue<string>());
        var a = LoomTestServer.Task(run, "a");
        Assert.Equal("failed", a["status"]!.GetValue<string>());
        Assert.Contains("nests", a["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Loom keeps values at most 48 levels deep", a["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        // Failed for good: one call, no retry, and the attempt is on record.
        Assert.Equal(1, stub.Hits($"deep/{depth}"));
        var attempts = JsonNode.Parse(await server.Client.GetStringAsync($"/api/runs/{Uri.EscapeDataString(runId)}/tasks/a/attempts"))!["items"]!.AsArray();
        Assert.Equal("invalid", Assert.Single(attempts)!["outcome"]!.GetValue<string>());
        Assert.Equal("skipped", LoomTestServer.Task(run, "b")["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_CallbackOutputNestedTooDeep_TaskFailsForGoodAndTheRunEnds()
    {
        await using var stub = await HostileBackend.StartAsync();
        await using var server = await LoomTestServer.StartAsync(azurite);
        await server.RegisterAsync($"""
            id: deepcb
            tasks:
              - id: a
                url: {stub.BaseUrl}/callback/deep62
                completion: callback
                callbackTimeout: 60s
            """);

        var runId = await server.TriggerAsync("deepcb");
        var run = await server.WaitForRunAsync(runId, TimeSpan.FromSeconds(20));

        Assert.Equal("failed", run["status"]!.GetValue<string>());
        Assert.Contains("the callback's output nests more than 48 levels deep", LoomTestServer.Task(run, "a")["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, await stub.CallbackStatus.Task);
    }

    [Fact]
    public async Task Run_CallbackOutputOverTheCap_KeptAsTheTruncationMarkerLikeAResponse()
    {
        await using var stub = await HostileBackend.StartAsync();
        await using var server = await LoomTestServer.StartAsync(azurite);
        await server.RegisterAsync($"""
            id: bigcb
            tasks:
              - id: a
                url: {stub.BaseUrl}/callback/big
                completion: callback
                callbackTimeout: 60s
            """);

        var runId = await server.TriggerAsync("bigcb");
        var run = await server.WaitForRunAsync(runId, TimeSpan.FromSeconds(20));

        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        var output = LoomTestServer.Task(run, "a")["output"]!;
        Assert.True(output["truncated"]!.GetValue<bool>());
        Assert.Equal(100_011, output["bytes"]!.GetValue<long>());
        Assert.True(output.ToJsonString().Length < 64 * 1024);
    }

    [Fact]
    public async Task Commit_StorageRefusesForGood_RunFailsWithTheReasonAndCancelAnswers()
    {
        // Storage refuses (as too large) every commit carrying an attempt with an output: that commit can never succeed.
        var refusing = new FaultyRunStore((run, history) => run.WorkflowId == "refused" && history.Attempts.Any(a => a.Output is not null)
            ? new StorageException(StorageErrorKind.TooLarge, 413, "EntityTooLarge", "injected: the entity is larger than storage accepts")
            : null);
        await using var server = await LoomTestServer.StartAsync(azurite, services: s =>
            s.AddSingleton<IRunStore>(sp => refusing.Wrap(sp.GetRequiredService<LoomStorageAccount>().Runs)));
        await server.RegisterAsync($"""
            id: refused
            tasks:
              - id: a
                url: {backend.BaseUrl}/api/tasks/a
              - id: b
                url: {backend.BaseUrl}/api/tasks/b
                dependsOn: [a]
            """);

        var runId = await server.TriggerAsync("refused");
        var run = await server.WaitForRunAsync(runId, TimeSpan.FromSeconds(20));

        Assert.Equal("failed", run["status"]!.GetValue<string>());
        Assert.StartsWith("Loom could not store this run's next state", run["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("injected: the entity is larger", run["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, refusing.Refused);
        // The attempt that happened is on record, without the output storage refused.
        var attempts = JsonNode.Parse(await server.Client.GetStringAsync($"/api/runs/{Uri.EscapeDataString(runId)}/tasks/a/attempts"))!["items"]!.AsArray();
        Assert.Equal("succeeded", Assert.Single(attempts)!["outcome"]!.GetValue<string>());
        using var cancel = await server.Client.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", new JsonObject());
        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);
        var diagnostics = JsonNode.Parse(await server.Client.GetStringAsync("/api/diagnostics"))!;
        Assert.Equal(0, diagnostics["activeRuns"]!.GetValue<int>());
        Assert.Empty(diagnostics["stalledRuns"]!.AsArray());
        // The stalled run is a dead letter of the run (no task of it failed), written once.
        var letters = JsonNode.Parse(await server.Client.GetStringAsync("/api/deadletters?workflowId=refused"))!["items"]!.AsArray();
        var letter = Assert.Single(letters)!;
        Assert.Equal(("run", runId), (letter["kind"]!.GetValue<string>(), letter["runId"]!.GetValue<string>()));
        Assert.StartsWith("Loom could not store this run's next state", letter["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_WhileTheRunsCommitIsRetried_AnswersAndTakesEffectOnceItCommits()
    {
        var refuse = true;
        var flaky = new FaultyRunStore((run, history) => Volatile.Read(ref refuse) && run.WorkflowId == "stuck" && history.Attempts.Count > 0
            ? new InvalidOperationException("injected: storage refused the write")
            : null);
        await using var server = await LoomTestServer.StartAsync(azurite, services: s =>
            s.AddSingleton<IRunStore>(sp => flaky.Wrap(sp.GetRequiredService<LoomStorageAccount>().Runs)));
        await server.RegisterAsync($"""
            id: stuck
            tasks:
              - id: a
                url: {backend.BaseUrl}/api/tasks/a
              - id: b
                url: {backend.BaseUrl}/api/tasks/b
                dependsOn: [a]
            """);
        var runId = await server.TriggerAsync("stuck");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (flaky.Refused == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(flaky.Refused > 0);

        using var impatient = server.NewClient(LoomTestServer.AdminKey);
        impatient.Timeout = TimeSpan.FromSeconds(15);
        var clock = Stopwatch.StartNew();
        using var cancel = await impatient.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", new JsonObject { ["reason"] = "stop" });
        output.WriteLine($"cancel answered {(int)cancel.StatusCode} after {clock.ElapsedMilliseconds} ms while the run's commit was being retried");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        Volatile.Write(ref refuse, false);
        var run = await server.WaitForRunAsync(runId, TimeSpan.FromSeconds(30));
        Assert.Equal("cancelled", run["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task ListRuns_ContinuationOfAnotherListing_400WithTheReason()
    {
        await using var server = await LoomTestServer.StartAsync(azurite);
        foreach (var id in new[] { "alpha", "beta", "gamma" })
        {
            await server.RegisterAsync($"id: {id}\ntasks:\n  - id: t\n    url: {backend.BaseUrl}/api/tasks/t\n");
            for (var i = 0; i < 2; i++) await server.WaitForRunAsync(await server.TriggerAsync(id));
        }

        var first = JsonNode.Parse(await server.Client.GetStringAsync("/api/runs?workflowId=alpha&limit=1"))!;
        var token = first["continuation"]!.GetValue<string>();
        var next = JsonNode.Parse(await server.Client.GetStringAsync($"/api/runs?workflowId=alpha&limit=5&continuation={token}"))!;
        Assert.Equal("alpha", Assert.Single(next["items"]!.AsArray())!["workflowId"]!.GetValue<string>());

        foreach (var other in new[] { "/api/runs?workflowId=gamma&limit=5", "/api/runs?limit=5", "/api/runs?workflowId=alpha&status=failed" })
        {
            using var response = await server.Client.GetAsync($"{other}&continuation={token}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{other}: {(int)response.StatusCode} {body}");
            Assert.Contains("this continuation token belongs to another listing", body, StringComparison.Ordinal);
        }

        // A token forged to name gamma's filters around alpha's place in the index is refused by the store.
        var payload = JsonNode.Parse(Convert.FromBase64String(Pad(token)))!;
        payload["workflowId"] = "gamma";
        var forged = Convert.ToBase64String(Encoding.UTF8.GetBytes(payload.ToJsonString())).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        using var forgedResponse = await server.Client.GetAsync($"/api/runs?workflowId=gamma&limit=5&continuation={forged}");
        Assert.Equal(HttpStatusCode.BadRequest, forgedResponse.StatusCode);
    }

    /// <summary>
    /// The server as users run it, in its own process: its memory at idle, after hostile probes (alias bombs and ten-thousand-error
    /// sources on validate, large registrations, runs with large outputs), and once they are over. Prints the figures.
    /// </summary>
    [Fact]
    public async Task Memory_AfterHostileProbes_ReturnsToItsIdleFootprint()
    {
        await using var child = new Durability.ChildLoomServer(azurite, "m" + Guid.NewGuid().ToString("N")[..8],
            new Dictionary<string, string> { ["Loom__MemoryTrimInterval"] = "00:00:02" });
        await child.StartAsync();
        await child.RegisterAsync($"id: warm\ntasks:\n  - id: t\n    url: {backend.BaseUrl}/api/tasks/t?bytes=60000\n");
        await child.WaitForRunsAsync([await child.TriggerAsync("warm")], TimeSpan.FromSeconds(20));
        var idle = await SettledMemoryAsync(child);

        var bomb = AliasedDependsOn(10_000, 300);
        var errors = AliasedDependsOn(999, 150);
        var probes = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            using var b = await child.Client.PostAsync("/api/workflows/validate", new StringContent(bomb, Encoding.UTF8, "application/yaml"));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, b.StatusCode);
            using var e = await child.Client.PostAsync("/api/workflows/validate", new StringContent(errors, Encoding.UTF8, "application/yaml"));
            Assert.Equal(HttpStatusCode.OK, e.StatusCode);
        }
        var runIds = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            await child.RegisterAsync(LargeWorkflow($"large{i}", backend.BaseUrl));
            runIds.Add(await child.TriggerAsync($"large{i}"));
        }
        // Finished runs whose callback deadline (an hour away) is still armed: their actors must not stay in memory.
        await child.RegisterAsync($"""
            id: waits
            tasks:
              - id: big
                url: {backend.BaseUrl}/api/tasks/big?bytes=60000
              - id: cb
                url: {backend.BaseUrl}/api/tasks/cb?mode=callback&callbackDelayMs=50
                completion: callback
                callbackTimeout: 1h
                dependsOn: [big]
            """);
        for (var i = 0; i < 60; i++) runIds.Add(await child.TriggerAsync("waits"));
        var finished = await child.WaitForRunsAsync(runIds, TimeSpan.FromSeconds(120));
        Assert.All(finished.Values, r => Assert.NotNull(r));
        probes.Stop();
        var peak = await MemoryAsync(child);
        var after = await SettledMemoryAsync(child, trimmedSince: peak.Trims);

        output.WriteLine($"probes took {probes.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine($"idle:  working set {Mb(idle.WorkingSet)}, GC heap {Mb(idle.Heap)}, committed {Mb(idle.Committed)}, active runs {idle.ActiveRuns}, trims {idle.Trims}");
        output.WriteLine($"peak:  working set {Mb(peak.PeakWorkingSet)} (process peak); right after the probes: working set {Mb(peak.WorkingSet)}, GC heap {Mb(peak.Heap)}, committed {Mb(peak.Committed)}");
        output.WriteLine($"after: working set {Mb(after.WorkingSet)}, GC heap {Mb(after.Heap)}, committed {Mb(after.Committed)}, active runs {after.ActiveRuns}, trims {after.Trims}");
        Assert.Equal(0, after.ActiveRuns);
        Assert.True(after.Heap < idle.Heap + (48L << 20), $"GC heap {Mb(after.Heap)} after the probes, {Mb(idle.Heap)} at idle");
        Assert.True(after.WorkingSet < idle.WorkingSet + (160L << 20), $"working set {Mb(after.WorkingSet)} after the probes, {Mb(idle.WorkingSet)} at idle");
    }

    private static async Task<Memory> MemoryAsync(Durability.ChildLoomServer child)
    {
        var d = JsonNode.Parse(await child.Client.GetStringAsync("/api/diagnostics"))!;
        return new Memory(d["workingSetBytes"]!.GetValue<long>(), d["peakWorkingSetBytes"]!.GetValue<long>(), d["gcHeapBytes"]!.GetValue<long>(),
            d["gcCommittedBytes"]!.GetValue<long>(), d["activeRuns"]!.GetValue<int>(), d["memoryTrims"]!.GetValue<long>());
    }

    /// <summary>
    /// The figures once the process has been left alone for a while, as an operator would look later: a few seconds, and
    /// (after probes) until the process noticed it went quiet and trimmed, within 30 s.
    /// </summary>
    private static async Task<Memory> SettledMemoryAsync(Durability.ChildLoomServer child, long? trimmedSince = null)
    {
        await Task.Delay(TimeSpan.FromSeconds(6));
        var memory = await MemoryAsync(child);
        for (var waited = 0; trimmedSince is { } before && memory.Trims <= before && waited < 24; waited++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            memory = await MemoryAsync(child);
        }

        return memory;
    }

    private static string Mb(long bytes) => $"{bytes / (1024.0 * 1024):0} MB";

    private static string Pad(string token)
    {
        var base64 = token.Replace('-', '+').Replace('_', '/');
        return base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
    }

    /// <summary>A workflow near the limits a legitimate user may reach: 200 tasks, each with a body and a 60 KB output.</summary>
    private static string LargeWorkflow(string id, string backendUrl)
    {
        var text = new StringBuilder($"id: {id}\ndescription: \"{new string('d', 20_000)}\"\ntasks:\n");
        for (var i = 0; i < 200; i++)
        {
            text.Append($"  - id: t{i}\n    url: {backendUrl}/api/tasks/t{i}{(i < 2 ? "?bytes=60000" : "")}\n    body: {{ n: {i}, text: \"{new string('b', 1000)}\" }}\n");
        }

        return text.ToString();
    }

    /// <summary>The probe of issue 12: one anchor on a dependsOn list of <paramref name="listLength"/> entries, referenced by every task.</summary>
    private static string AliasedDependsOn(int listLength, int tasks)
    {
        var text = new StringBuilder("id: bomb\ntasks:\n  - id: t0\n    url: http://localhost/x\n    dependsOn: &d [")
            .AppendJoin(",", Enumerable.Repeat("a", listLength)).Append("]\n");
        for (var i = 1; i < tasks; i++)
        {
            text.Append($"  - id: t{i}\n    url: http://localhost/x\n    dependsOn: *d\n");
        }

        return text.ToString();
    }

    private sealed record Memory(long WorkingSet, long PeakWorkingSet, long Heap, long Committed, int ActiveRuns, long Trims);

    /// <summary>
    /// A backend that answers with what Loom must not keep: <c>/deep/{n}</c> succeeds with an output nested n levels,
    /// <c>/callback/deep62</c> and <c>/callback/big</c> accept and then post such an output (62 levels; 100,000 characters) to
    /// the callback URL.
    /// </summary>
    private sealed class HostileBackend : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly Dictionary<string, int> _hits = new(StringComparer.Ordinal);

        private HostileBackend(WebApplication app) => _app = app;

        public string BaseUrl { get; private set; } = "";

        /// <summary>The status Loom answered the callback with.</summary>
        public TaskCompletionSource<HttpStatusCode> CallbackStatus { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Hits(string path)
        {
            lock (_hits) return _hits.GetValueOrDefault(path);
        }

        public static async Task<HostileBackend> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var stub = new HostileBackend(app);
            app.MapPost("/deep/{depth:int}", (int depth) =>
            {
                stub.Hit($"deep/{depth}");
                return Results.Text($"{{\"status\":\"SUCCESS\",\"output\":{Nested(depth)}}}", "application/json");
            });
            app.MapPost("/callback/{kind}", async (string kind, HttpContext http) =>
            {
                stub.Hit($"callback/{kind}");
                var envelope = await JsonNode.ParseAsync(http.Request.Body);
                var callbackUrl = envelope!["callbackUrl"]!.GetValue<string>();
                var output = kind == "big" ? $"{{\"data\":\"{new string('x', 100_000)}\"}}" : Nested(62);
                _ = Task.Run(async () =>
                {
                    await Task.Delay(200);
                    using var client = new HttpClient();
                    using var answer = await client.PostAsync(callbackUrl, new StringContent($"{{\"status\":\"SUCCESS\",\"output\":{output}}}", Encoding.UTF8, "application/json"));
                    stub.CallbackStatus.TrySetResult(answer.StatusCode);
                });
                return Results.Json(new { status = "RUNNING" }, statusCode: 202);
            });
            await app.StartAsync();
            stub.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
            return stub;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        private void Hit(string path)
        {
            lock (_hits) _hits[path] = _hits.GetValueOrDefault(path) + 1;
        }

        private static string Nested(int depth) => new StringBuilder().Insert(0, "{\"a\":", depth - 1).Append("[1]").Append('}', depth - 1).ToString();
    }
}
