using Loom.Testing;

namespace Loom.Cli.Tests;

/// <summary>loom workflow show / rotate-webhook for a workflow with event triggers, against a real server on Azurite.</summary>
[Collection("cli")]
public sealed class WebhookCommandTests(AzuriteFixture azurite, BackendFixture backend) : IAsyncLifetime
{
    private LoomTestServer _server = null!;

    public async Task InitializeAsync() => _server = await LoomTestServer.StartAsync(azurite);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ShowAndRotateWebhook_AdminSeesTheUrl_RotationPrintsANewOne()
    {
        await _server.RegisterAsync($"""
            id: cli-hook
            triggers:
              - queue: cli-orders
              - webhook: true
            tasks:
              - id: a
                url: {backend.BaseUrl}/api/tasks/a
            """);
        var admin = new Cli(_server.BaseUrl, LoomTestServer.AdminKey);
        var reader = new Cli(_server.BaseUrl, LoomTestServer.ReaderKey);

        var shown = await admin.RunAsync("workflow", "show", "cli-hook", "--runs", "0");
        var rotated = await admin.RunAsync("workflow", "rotate-webhook", "cli-hook");
        var shownAgain = await admin.RunAsync("workflow", "show", "cli-hook", "--runs", "0");
        var asReader = await reader.RunAsync("workflow", "show", "cli-hook", "--runs", "0");

        Assert.True(shown.Code == 0, shown.ToString());
        Assert.Contains("Queue:        cli-orders (unusable messages go to cli-orders-poison)", shown.Out, StringComparison.Ordinal);
        var prefix = $"{_server.BaseUrl}/api/hooks/cli-hook/";
        var first = shown.Out.Split('\n').Single(l => l.StartsWith("Webhook:", StringComparison.Ordinal))["Webhook:".Length..].Trim();
        Assert.StartsWith(prefix, first, StringComparison.Ordinal);
        Assert.True(rotated.Code == 0, rotated.ToString());
        var second = rotated.Out.Trim();
        Assert.StartsWith(prefix, second, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
        Assert.Contains($"Webhook:      {second}", shownAgain.Out, StringComparison.Ordinal);
        Assert.Contains("Webhook:      (the URL is shown to admin keys)", asReader.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(prefix, asReader.Out, StringComparison.Ordinal);
    }
}
