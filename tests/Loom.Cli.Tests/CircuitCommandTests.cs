using System.Text.RegularExpressions;
using Loom.Testing;

namespace Loom.Cli.Tests;

/// <summary>loom circuits against a real server on Azurite whose task calls a stub backend that is down.</summary>
[Collection("cli")]
public sealed class CircuitCommandTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private LoomTestServer _server = null!;
    private Cli _cli = null!;

    public async Task InitializeAsync()
    {
        _server = await LoomTestServer.StartAsync(azurite);
        _cli = new Cli(_server.BaseUrl, LoomTestServer.ReaderKey);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Circuits_NoneYet_SaysSo()
    {
        var result = await _cli.RunAsync("circuits");

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("no circuits", result.Out);
    }

    [Fact]
    public async Task Circuits_BackendDownAfterOneFailure_ListsItsOriginOpen()
    {
        await using var stub = await OutageBackend.StartAsync();
        stub.Down = true;
        await _server.RegisterAsync($$"""
            id: cli-circuit
            defaults:
              retry: { maxAttempts: 1 }
              circuitBreaker: { failures: 1, window: 1h, openFor: 1h }
            tasks:
              - id: call
                url: {{stub.BaseUrl}}/api/call
            """);
        var runId = await _server.TriggerAsync("cli-circuit");
        Assert.Equal("failed", (await _server.WaitForRunAsync(runId, TimeSpan.FromSeconds(60)))["status"]!.GetValue<string>());

        var result = await _cli.RunAsync("circuits");
        var json = await _cli.RunAsync("circuits", "-o", "json");

        Assert.True(result.Code == 0, result.ToString());
        Assert.Matches($@"{Regex.Escape(stub.BaseUrl)}\s+open\s+1\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+\d{{4}}-", result.Out);
        Assert.Matches("\"state\":\\s*\"open\"", json.Out);
        Assert.Equal(1, stub.CallsWhileDown);
    }
}
