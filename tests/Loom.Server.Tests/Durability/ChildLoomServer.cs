using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Testing;

namespace Loom.Server.Tests.Durability;

/// <summary>
/// The Loom server as users run it: <c>dotnet Loom.Server.dll</c> in a child process, configured by environment variables,
/// on a fixed port and table prefix so that a restart (same InstanceName) takes over its predecessor's work.
/// </summary>
internal sealed class ChildLoomServer : IAsyncDisposable
{
    private readonly Dictionary<string, string> _environment;
    private readonly List<string> _output = [];
    private Process? _process;

    public ChildLoomServer(AzuriteFixture azurite, string prefix, IDictionary<string, string>? settings = null)
    {
        Port = FreePort();
        BaseUrl = $"http://127.0.0.1:{Port}";
        _environment = new Dictionary<string, string>
        {
            ["Loom__StorageConnectionString"] = azurite.ConnectionString,
            ["Loom__TablePrefix"] = prefix,
            ["Loom__ApiKeys__0__Key"] = LoomTestServer.AdminKey,
            ["Loom__ApiKeys__0__Role"] = "admin",
            ["Loom__CallbackSigningKey"] = "test-callback-signing-key-0123456789",
            ["Loom__PublicBaseUrl"] = BaseUrl,
            ["Loom__AllowLoopback"] = "true",
            ["Loom__InstanceName"] = "child-" + prefix,
            ["Loom__SchedulerEnabled"] = "false",
            ["Loom__RecoveryInterval"] = "00:00:00.500",
            ["ASPNETCORE_URLS"] = BaseUrl,
            ["Logging__LogLevel__Default"] = "Warning",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) _environment[k] = v;
        Client = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Add("x-functions-key", LoomTestServer.AdminKey);
    }

    public int Port { get; }

    public string BaseUrl { get; }

    public HttpClient Client { get; }

    /// <summary>Lines the current and earlier processes wrote (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output) return string.Join('\n', _output.TakeLast(80));
        }
    }

    /// <summary>The server's dll, built next to this test assembly's configuration (the test project references Loom.Server).</summary>
    public static string ServerDll()
    {
        // The test runs from tests/Loom.Server.Tests/bin/{configuration}/{tfm}/.
        var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = tfmDir.Parent!.Name;
        var dll = Path.Combine(AzuriteFixture.FindRepositoryRoot(), "functions", "Loom.Server", "bin", configuration, tfmDir.Name, "Loom.Server.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} is missing: build functions/Loom.Server -c {configuration} first (building this test project does it).");
        return dll;
    }

    /// <summary>Starts the process and waits until /api/health answers 200.</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false }) throw new InvalidOperationException("Already running.");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(ServerDll())!,
        };
        start.ArgumentList.Add(ServerDll());
        foreach (var (k, v) in _environment) start.Environment[k] = v;
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"The server exited with {process.ExitCode}:\n{Output}");
            try
            {
                using var health = await Client.GetAsync("/api/health");
                if (health.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The server did not become healthy within 60 s:\n{Output}");
    }

    /// <summary>SIGKILL: the process and its tree die at once, with no shutdown code run.</summary>
    public void Kill()
    {
        var process = Interlocked.Exchange(ref _process, null);
        if (process is null) return;
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        process.Dispose();
    }

    public async Task RegisterAsync(string yaml)
    {
        using var content = new StringContent(yaml, Encoding.UTF8, "application/yaml");
        using var response = await Client.PostAsync("/api/workflows", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"register failed: {(int)response.StatusCode} {body}");
    }

    public async Task<string> TriggerAsync(string workflowId)
    {
        using var response = await Client.PostAsJsonAsync($"/api/workflows/{workflowId}/runs", new JsonObject { ["params"] = new JsonObject() });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"trigger failed: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["runId"]!.GetValue<string>();
    }

    public async Task<JsonObject> GetRunAsync(string runId) =>
        (JsonObject)JsonNode.Parse(await Client.GetStringAsync($"/api/runs/{Uri.EscapeDataString(runId)}"))!;

    /// <summary>Polls until every run is final; returns them, or null for the runs still unfinished at the deadline.</summary>
    public async Task<Dictionary<string, JsonObject?>> WaitForRunsAsync(IReadOnlyCollection<string> runIds, TimeSpan timeout)
    {
        var finished = new Dictionary<string, JsonObject?>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            foreach (var id in runIds.Where(id => !finished.ContainsKey(id)).ToList())
            {
                var run = await GetRunAsync(id);
                if (run["status"]!.GetValue<string>() is "succeeded" or "failed" or "cancelled") finished[id] = run;
            }
            if (finished.Count == runIds.Count || DateTime.UtcNow > deadline) break;
            await Task.Delay(50);
        }
        foreach (var id in runIds.Where(id => !finished.ContainsKey(id))) finished[id] = null;
        return finished;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        Client.Dispose();
        return ValueTask.CompletedTask;
    }

    private void OnProcessExit(object? sender, EventArgs e) => Kill();

    private void Capture(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.Add(line.Length > 400 ? line[..400] : line);
            if (_output.Count > 2000) _output.RemoveRange(0, 1000);
        }
    }

    internal static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    internal static string Format(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
}
