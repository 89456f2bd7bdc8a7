using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Loom.Core.Execution;
using Loom.Testing;

namespace Loom.Server.Tests.Chaos;

/// <summary>
/// Task URLs aimed at metadata, loopback, private and loopback-resolving hosts, and a redirect into a private address: each
/// attempt is refused by the SSRF guard before any connection, with a clear error, and is not retried. No packet leaves
/// loopback: every non-loopback target is first checked against the guard in this process, and the test stops if the guard would let it through.
/// </summary>
[Collection("server")]
public sealed class SsrfEndToEndTests(AzuriteFixture azurite, BackendFixture backend)
{
    [Fact]
    public async Task TaskUrlsToInternalAddresses_GuardOn_RefusedWithoutRetry()
    {
        var guard = new SsrfGuardOptions { AllowLoopback = false, AllowPrivateNetworks = false };
        RequireRefused(guard, "169.254.169.254", "10.0.0.1");
        var port = new Uri(backend.BaseUrl).Port;
        await using var server = await LoomTestServer.StartAsync(azurite, new Dictionary<string, string?> { ["Loom:AllowLoopback"] = "false" });
        var targets = new Dictionary<string, string>
        {
            ["metadata"] = "http://169.254.169.254/latest/meta-data/",
            ["loopback4"] = $"http://127.0.0.1:{port}/api/tasks/ssrf",
            ["loopback6"] = $"http://[::1]:{port}/api/tasks/ssrf",
            ["private"] = "http://10.0.0.1/api/tasks/ssrf",
            ["localhost"] = $"http://localhost:{port}/api/tasks/ssrf",
        };
        foreach (var (name, url) in targets)
        {
            await AssertRefusedAsync(server, $"ssrf-{name}", url);
        }
        Assert.DoesNotContain(backend.Log.Items, r => r.Task == "ssrf");
    }

    [Fact]
    public async Task BackendRedirectsToPrivateAddress_Refused()
    {
        // The backend itself is on loopback, so this server allows loopback; the redirect targets stay refused.
        var guard = new SsrfGuardOptions { AllowLoopback = true, AllowPrivateNetworks = false };
        RequireRefused(guard, "10.0.0.1", "169.254.169.254");
        await using var server = await LoomTestServer.StartAsync(azurite);
        // The sample answers a POST with 307: its body is never re-sent to another origin, so the attempt fails before any hop
        // (HostileBackendTests shows a bodiless redirect followed, and refused by the guard at the hop).
        await AssertRefusedAsync(server, "redirect-private", $"{backend.BaseUrl}/api/tasks/redir?redirect={Uri.EscapeDataString("http://10.0.0.1/internal")}", "failed", "leaves the origin");
        await AssertRefusedAsync(server, "redirect-metadata", $"{backend.BaseUrl}/api/tasks/redir?redirect={Uri.EscapeDataString("http://169.254.169.254/latest/meta-data/")}", "failed", "leaves the origin");
        Assert.Equal(2, backend.Log.Items.Count(r => r.Task == "redir" && r.Status == 307));
    }

    /// <summary>Fails at once, before any workflow runs, if the guard would allow one of these addresses: then a packet could leave this machine.</summary>
    private static void RequireRefused(SsrfGuardOptions options, params string[] addresses)
    {
        foreach (var address in addresses)
        {
            var reason = SsrfGuard.RefusalReason(IPAddress.Parse(address), options);
            Assert.True(reason is not null, $"the SSRF guard would connect to {address}; stopping before any workflow runs");
        }
    }

    private static async Task AssertRefusedAsync(LoomTestServer server, string id, string url, string outcome = "refused", string because = "SSRF guard")
    {
        await server.RegisterAsync($"""
            id: {id}
            tasks:
              - id: call
                url: "{url}"
                retry:
                  maxAttempts: 3
                  delay: 10ms
            """);
        var runId = await server.TriggerAsync(id);
        var run = await server.WaitForRunAsync(runId);

        Assert.Equal("failed", run["status"]!.GetValue<string>());
        var task = LoomTestServer.Task(run, "call");
        Assert.Equal("failed", task["status"]!.GetValue<string>());
        Assert.Equal(1, task["attempt"]!.GetValue<int>());
        var attempts = (await server.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(runId)}/tasks/call/attempts"))!["items"]!.AsArray();
        var attempt = Assert.Single(attempts)!;
        Assert.Equal(outcome, attempt["outcome"]!.GetValue<string>());
        var error = attempt["error"]!.GetValue<string>();
        Assert.Contains(because, error, StringComparison.Ordinal);
        if (outcome == "refused") Assert.StartsWith("refused:", error, StringComparison.Ordinal);
    }
}
