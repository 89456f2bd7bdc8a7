using System.Net;
using System.Net.Sockets;
using Loom.Testing;

namespace Loom.Cli.Tests;

/// <summary>Clear messages and distinct exit codes when the server cannot be reached, refuses the key, or has no such thing.</summary>
[Collection("cli")]
public sealed class ErrorTests(AzuriteFixture azurite, BackendFixture backend) : IAsyncLifetime
{
    private LoomTestServer _server = null!;

    public async Task InitializeAsync() => _server = await LoomTestServer.StartAsync(azurite);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task WrongKey_Exit4AndSaysTheKeyWasRefused()
    {
        var result = await new Cli(_server.BaseUrl, "not-a-key").RunAsync("run", "list");

        Assert.Equal(ExitCodes.Unauthorized, result.Code);
        Assert.Contains("the server refused the key", result.Err);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task NoKey_Exit4AndSaysHowToGiveOne()
    {
        var result = await new Cli(_server.BaseUrl, null).RunAsync("workflow", "list");

        Assert.Equal(ExitCodes.Unauthorized, result.Code);
        Assert.Contains("set --key or LOOM_KEY", result.Err);
    }

    [Fact]
    public async Task ReaderKeyTriggering_Exit5Forbidden()
    {
        var result = await new Cli(_server.BaseUrl, LoomTestServer.ReaderKey).RunAsync("workflow", "trigger", "anything");

        Assert.Equal(ExitCodes.Forbidden, result.Code);
        Assert.Contains("reader role", result.Err);
    }

    [Fact]
    public async Task UnknownRun_Exit6NoRunWithId()
    {
        var cli = new Cli(_server.BaseUrl, LoomTestServer.ReaderKey);

        var show = await cli.RunAsync("run", "show", "nope@20260101T000000Z");
        var logs = await cli.RunAsync("logs", "nope@20260101T000000Z");

        Assert.Equal(ExitCodes.NotFound, show.Code);
        Assert.Contains("loom: no run with id 'nope@20260101T000000Z'", show.Err);
        Assert.Equal(ExitCodes.NotFound, logs.Code);
    }

    [Fact]
    public async Task ClosedPort_Exit3CannotReach()
    {
        var url = $"http://127.0.0.1:{ClosedPort()}";

        var result = await new Cli(url, LoomTestServer.AdminKey).RunAsync("run", "list");

        Assert.Equal(ExitCodes.Unreachable, result.Code);
        Assert.Contains($"cannot reach Loom at {url}/", result.Err);
        Assert.Contains("refused", result.Err);
    }

    [Fact]
    public async Task UrlOfAnotherServer_Exit6AndAsksWhetherTheUrlIsRight()
    {
        var result = await new Cli(backend.BaseUrl, LoomTestServer.AdminKey).RunAsync("run", "list");

        Assert.Equal(ExitCodes.NotFound, result.Code);
        Assert.Contains($"GET {backend.BaseUrl}/api/runs?limit=20 answered 404 without a Loom problem", result.Err);
    }

    [Fact]
    public async Task Watch_Interrupted_Exit130()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        await _server.RegisterAsync($"""
            id: interrupted
            tasks:
              - id: slow
                url: {backend.BaseUrl}/api/tasks/slow?delayMs=5000
            """);
        var runId = await _server.TriggerAsync("interrupted");
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));

        var code = await CliApp.RunAsync(["run", "watch", runId, "--interval", "100ms", "--url", _server.BaseUrl, "--key", LoomTestServer.AdminKey], output, error, stop.Token);

        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.Contains("loom: interrupted", error.ToString());
        await _server.Client.PostAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", null);
    }

    [Fact]
    public async Task Environment_LoomUrlAndKey_UsedWhenNoOptionsGiven()
    {
        var env = new Dictionary<string, string> { ["LOOM_URL"] = _server.BaseUrl, ["LOOM_KEY"] = LoomTestServer.ReaderKey };

        var withEnv = await Cli.RunRawAsync(["run", "list", "-o", "json"], name => env.GetValueOrDefault(name));
        var optionWins = await Cli.RunRawAsync(["run", "list", "--key", "wrong"], name => env.GetValueOrDefault(name));

        Assert.True(withEnv.Code == 0, withEnv.ToString());
        Assert.StartsWith("{", withEnv.Out.TrimStart());
        Assert.Equal(ExitCodes.Unauthorized, optionWins.Code);
    }

    [Fact]
    public async Task BadUsage_Exit2()
    {
        var format = await Cli.RunRawAsync(["run", "list", "-o", "xml"], _ => null);
        var url = await Cli.RunRawAsync(["run", "list", "--url", "ftp://x"], _ => null);
        var param = await Cli.RunRawAsync(["workflow", "trigger", "x", "--param", "novalue", "--url", _server.BaseUrl], _ => null);
        var interval = await Cli.RunRawAsync(["run", "watch", "x", "--interval", "soon"], _ => null);

        Assert.Equal(ExitCodes.Usage, format.Code);
        Assert.Equal(ExitCodes.Usage, url.Code);
        Assert.Equal(ExitCodes.Usage, param.Code);
        Assert.Contains("is not name=value", param.Err);
        Assert.Equal(ExitCodes.Usage, interval.Code);
    }

    [Fact]
    public async Task Help_ListsTheExitCodes()
    {
        var result = await Cli.RunRawAsync(["--help"], _ => null);

        Assert.Equal(0, result.Code);
        foreach (var code in new[] { "3  cannot reach", "4  401", "5  403", "6  404" }) Assert.Contains(code, result.Out);
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
