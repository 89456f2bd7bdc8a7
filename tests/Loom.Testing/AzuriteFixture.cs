using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Loom.Testing;

/// <summary>Starts one Azurite (in-memory, or on disk for restart tests; free ports) from the repository's node_modules and stops it, with its process tree, on dispose or process exit.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>Azurite's development account name.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's development account key (public, documented).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly bool _httpsWithOAuth;
    private readonly bool _persistent;
    private string? _script;
    private Process? _process;
    private string? _location;
    private readonly List<string> _output = [];

    /// <summary>Azurite over plain HTTP with Shared Key (the usual test setup).</summary>
    public AzuriteFixture()
        : this(httpsWithOAuth: false)
    {
    }

    // xunit wants a single public constructor on a collection fixture, so the HTTPS variant comes from a factory.
    private AzuriteFixture(bool httpsWithOAuth, bool persistent = false)
    {
        _httpsWithOAuth = httpsWithOAuth;
        _persistent = persistent;
    }

    /// <summary>An Azurite that keeps its data in a temporary folder (<c>--location</c>) so <see cref="RestartAsync"/> keeps it; call <see cref="InitializeAsync"/> and <see cref="DisposeAsync"/> yourself.</summary>
    public static AzuriteFixture CreatePersistent() => new(httpsWithOAuth: false, persistent: true);

    /// <summary>
    /// Stops Azurite the way an operator would (SIGTERM, so it saves its data), keeps it down for <paramref name="downtime"/>,
    /// and starts it again on the same ports with the same data. Only for <see cref="CreatePersistent"/>.
    /// </summary>
    public async Task RestartAsync(TimeSpan downtime)
    {
        if (!_persistent || _script is null)
        {
            throw new InvalidOperationException("Only a started persistent Azurite can restart.");
        }

        var process = Interlocked.Exchange(ref _process, null);
        if (process is not null)
        {
            using (var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
            {
                await term!.WaitForExitAsync().ConfigureAwait(false);
            }

            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(exited.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        await Task.Delay(downtime).ConfigureAwait(false);
        // The ports were just released; another process could take one in between, so retry for a while.
        Exception? last = null;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                await StartAsync(_script, [BlobPort, QueuePort, TablePort]).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                last = e;
                _process?.Kill(entireProcessTree: true);
                _process = null;
                await Task.Delay(250).ConfigureAwait(false);
            }
        }

        throw new InvalidOperationException("Azurite did not restart on its ports.", last);
    }

    /// <summary>An Azurite that serves HTTPS with a fresh self-signed certificate (<see cref="Certificate"/>) and also accepts bearer tokens (--oauth basic); call <see cref="InitializeAsync"/> and <see cref="DisposeAsync"/> yourself.</summary>
    public static AzuriteFixture CreateHttpsWithOAuth() => new(httpsWithOAuth: true);

    /// <summary>The self-signed certificate Azurite serves in HTTPS mode; null otherwise.</summary>
    public X509Certificate2? Certificate { get; private set; }

    private string Scheme => _httpsWithOAuth ? "https" : "http";

    /// <summary>Id of the Azurite (node) process while it runs, e.g. to read its CPU time; null when stopped.</summary>
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    /// <summary>The Blob service port.</summary>
    public int BlobPort { get; private set; }

    /// <summary>The Queue service port.</summary>
    public int QueuePort { get; private set; }

    /// <summary>The Table service port.</summary>
    public int TablePort { get; private set; }

    /// <summary>Table endpoint (path-style).</summary>
    public Uri TableEndpoint => new($"{Scheme}://127.0.0.1:{TablePort}/{AccountName}");

    /// <summary>Queue endpoint (path-style).</summary>
    public Uri QueueEndpoint => new($"{Scheme}://127.0.0.1:{QueuePort}/{AccountName}");

    /// <summary>Blob endpoint (path-style).</summary>
    public Uri BlobEndpoint => new($"{Scheme}://127.0.0.1:{BlobPort}/{AccountName}");

    /// <summary>A connection string with explicit endpoints for this Azurite.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol={Scheme};AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint={BlobEndpoint};QueueEndpoint={QueueEndpoint};TableEndpoint={TableEndpoint};";

    /// <summary>The repository root (the folder holding LoomFunctions.sln).</summary>
    public static string FindRepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "LoomFunctions.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"LoomFunctions.sln not found above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}.");
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var root = FindRepositoryRoot();
        var script = Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException(
                $"Azurite is not installed ({script} is missing). Run `npm ci` in {root} first (scripts/test.sh does it).");
        }

        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                _script = script;
                await StartAsync(script, FreePorts(3)).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Usually a port taken between probing and Azurite's bind; try new ports.
                last = e;
                Stop();
            }
        }

        throw new InvalidOperationException("Azurite did not start after 5 attempts.", last);
    }

    private async Task StartAsync(string script, int[] ports)
    {
        (BlobPort, QueuePort, TablePort) = (ports[0], ports[1], ports[2]);
        _location ??= Path.Combine(Path.GetTempPath(), "loom-azurite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_location);
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // In-memory persistence rejects --location; the working directory keeps any stray file out of the repository.
            WorkingDirectory = _location,
        };
        foreach (var arg in new[]
        {
            script, "--silent", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", BlobPort.ToString(CultureInfo.InvariantCulture),
            "--queuePort", QueuePort.ToString(CultureInfo.InvariantCulture),
            "--tablePort", TablePort.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var arg in _persistent ? new[] { "--location", _location } : ["--inMemoryPersistence"])
        {
            start.ArgumentList.Add(arg);
        }

        if (_httpsWithOAuth)
        {
            var (certPath, keyPath) = WriteCertificate(_location);
            foreach (var arg in new[] { "--oauth", "basic", "--cert", certPath, "--key", keyPath })
            {
                start.ArgumentList.Add(arg);
            }
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        _process.OutputDataReceived += (_, e) => Capture(e.Data);
        _process.ErrorDataReceived += (_, e) => Capture(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with {_process.ExitCode}: {string.Join('\n', Snapshot())}");
            }

            if (await AnswersAsync(TablePort).ConfigureAwait(false) && await AnswersAsync(QueuePort).ConfigureAwait(false))
            {
                return;
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new TimeoutException($"Azurite did not answer on ports {TablePort}/{QueuePort} within 30 s: {string.Join('\n', Snapshot())}");
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        Stop();
        Certificate?.Dispose();
        return Task.CompletedTask;
    }

    private void OnProcessExit(object? sender, EventArgs e) => Stop();

    private void Stop()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        var process = Interlocked.Exchange(ref _process, null);
        if (process is not null)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }

        if (_location is not null && Directory.Exists(_location))
        {
            try
            {
                Directory.Delete(_location, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Count < 200)
            {
                _output.Add(line);
            }
        }
    }

    private string[] Snapshot()
    {
        lock (_output)
        {
            return [.. _output];
        }
    }

    private (string CertPath, string KeyPath) WriteCertificate(string folder)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        Certificate = X509CertificateLoader.LoadCertificate(created.Export(X509ContentType.Cert));
        var certPath = Path.Combine(folder, "azurite-cert.pem");
        var keyPath = Path.Combine(folder, "azurite-key.pem");
        File.WriteAllText(certPath, created.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    private static async Task<bool> AnswersAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int[] FreePorts(int count)
    {
        // Hold all listeners open together so the ports are distinct.
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
