using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Loom.SampleBackend;
using Microsoft.AspNetCore.Builder;
using Loom.Testing;

namespace Loom.Bench;

/// <summary>Everything a benchmark needs running: Azurite (in-memory), the stub backend in this process and the Loom server as a child process.</summary>
internal sealed class BenchEnvironment : IAsyncDisposable
{
    private readonly AzuriteFixture _azurite = new();
    private WebApplication? _backend;
    private Process? _server;
    private ProcessStartInfo? _serverStart;
    private StreamWriter? _serverLog;

    public RequestLog Requests { get; } = new();

    public string ConnectionString => _azurite.ConnectionString;

    public string BackendUrl { get; private set; } = "";

    public string ServerUrl { get; private set; } = "";

    public string AdminKey { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    public string ServerLogPath { get; private set; } = "";

    /// <summary>Starts Azurite and the stub, and the server unless <paramref name="startServer"/> is false (the durable host needs none).</summary>
    /// <param name="serverDll">The server to run; null for the Release build in the repository.</param>
    public static async Task<BenchEnvironment> StartAsync(string root, CancellationToken cancellationToken, bool startServer = true, string? serverDll = null)
    {
        var env = new BenchEnvironment();
        try
        {
            await env.StartAllAsync(root, startServer, serverDll, cancellationToken);
            return env;
        }
        catch
        {
            await env.DisposeAsync();
            throw;
        }
    }

    private async Task StartAllAsync(string root, bool startServer, string? serverDll, CancellationToken cancellationToken)
    {
        var dll = serverDll is null ? Path.Combine(root, "functions", "Loom.Server", "bin", "Release", "net10.0", "Loom.Server.dll") : Path.GetFullPath(serverDll);
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build it with `dotnet build functions/Loom.Server -c Release` (dotnet run of the bench builds it).");
        }

        if (!File.Exists(Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js")))
        {
            // A clean clone: install the pinned Azurite the way the test command does, so this stays one command.
            Console.Error.WriteLine("bench: Azurite is not installed; running npm ci");
            var npm = new ProcessStartInfo("npm") { WorkingDirectory = root, UseShellExecute = false };
            foreach (var arg in new[] { "ci", "--no-audit", "--no-fund" }) npm.ArgumentList.Add(arg);
            using var install = Process.Start(npm) ?? throw new InvalidOperationException("npm did not start; install Node 20 and npm.");
            await install.WaitForExitAsync(cancellationToken);
            if (install.ExitCode != 0) throw new InvalidOperationException($"npm ci failed with exit code {install.ExitCode}.");
        }

        Console.Error.WriteLine("bench: starting Azurite (in-memory)");
        await _azurite.InitializeAsync();

        var backendPort = FreePort();
        BackendUrl = $"http://127.0.0.1:{backendPort}";
        _backend = SampleBackendApp.Build(["--urls", BackendUrl], Requests);
        await _backend.StartAsync(cancellationToken);
        Console.Error.WriteLine($"bench: stub backend on {BackendUrl}");
        if (!startServer) return;

        var serverPort = FreePort();
        ServerUrl = $"http://127.0.0.1:{serverPort}";
        _serverStart = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        _serverStart.ArgumentList.Add(dll);
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = ServerUrl,
            ["Loom__StorageConnectionString"] = ConnectionString,
            ["Loom__ApiKeys__0__Key"] = AdminKey,
            ["Loom__ApiKeys__0__Role"] = "admin",
            ["Loom__ApiKeys__0__Name"] = "bench",
            ["Loom__CallbackSigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Loom__PublicBaseUrl"] = ServerUrl,
            ["Loom__AllowLoopback"] = "true",
            // A stable name: a server started again after a kill takes over its predecessor's work at once.
            ["Loom__InstanceName"] = "bench",
            ["Loom__Diagnostics__CountStorageRequests"] = "true",
        };
        foreach (var (key, value) in environment) _serverStart.Environment[key] = value;

        var logDir = Path.Combine(root, "artifacts", "bench");
        Directory.CreateDirectory(logDir);
        ServerLogPath = Path.Combine(logDir, "server.log");
        _serverLog = new StreamWriter(ServerLogPath, append: false) { AutoFlush = false };
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        await StartServerAsync(cancellationToken);
    }

    /// <summary>Kills the server with SIGKILL, as a crash would (no drain, no goodbye heartbeat).</summary>
    public void KillServer()
    {
        var server = Interlocked.Exchange(ref _server, null);
        if (server is null) return;
        try
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
                server.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        server.Dispose();
    }

    /// <summary>Starts the server (again, after <see cref="KillServer"/>) on the same port and instance name, and waits until it is healthy.</summary>
    public async Task StartServerAsync(CancellationToken cancellationToken)
    {
        if (_server is not null) throw new InvalidOperationException("The server is running.");
        var start = _serverStart ?? throw new InvalidOperationException("The environment is not started.");
        var log = _serverLog ?? throw new InvalidOperationException("The environment is stopped.");
        var server = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start the server.");
        _server = server;
        server.OutputDataReceived += (_, e) => Write(log, e.Data);
        server.ErrorDataReceived += (_, e) => Write(log, e.Data);
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        Console.Error.WriteLine($"bench: Loom server (pid {server.Id}) on {ServerUrl}; log in {ServerLogPath}");

        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (server.HasExited) throw new InvalidOperationException($"The server exited with {server.ExitCode}; see {ServerLogPath}.");
            try
            {
                using var response = await http.GetAsync($"{ServerUrl}/api/health", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK) break;
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The server did not become healthy in 60 s; see {ServerLogPath}.");
            await Task.Delay(100, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        StopServer();
        if (_backend is not null)
        {
            await _backend.StopAsync();
            await _backend.DisposeAsync();
            _backend = null;
        }
        await _azurite.DisposeAsync();
    }

    private void OnProcessExit(object? sender, EventArgs e) => StopServer();

    private void StopServer()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        KillServer();
        if (_serverLog is { } log)
        {
            lock (log) log.Flush();
            _serverLog = null;
            log.Dispose();
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null) return;
        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output that arrives after the server was stopped is dropped.
            }
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
