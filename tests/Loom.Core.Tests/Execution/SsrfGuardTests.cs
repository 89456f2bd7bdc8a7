using System.Net;
using System.Net.Sockets;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Microsoft.AspNetCore.Http;
using static Loom.Core.Tests.Execution.ExecutionTestData;

namespace Loom.Core.Tests.Execution;

// Network rule of these tests: nothing may be sent outside 127.0.0.0/8 and ::1. Every end-to-end refusal of another
// address first asserts that the guard refuses it, and runs on a handler whose final connect step can only reach loopback,
// so that a broken guard fails the test (as a Network failure) instead of sending a packet.
public sealed class SsrfGuardTests(BackendFixture backend) : IClassFixture<BackendFixture>
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("169.254.169.254", SsrfAddressKind.Forbidden)]
    [InlineData("169.254.0.1", SsrfAddressKind.Forbidden)]
    [InlineData("::ffff:169.254.169.254", SsrfAddressKind.Forbidden)]
    [InlineData("::169.254.169.254", SsrfAddressKind.Forbidden)]
    [InlineData("64:ff9b::a9fe:a9fe", SsrfAddressKind.Forbidden)]
    [InlineData("2002:a9fe:a9fe::1", SsrfAddressKind.Forbidden)]
    [InlineData("fd00:ec2::254", SsrfAddressKind.Forbidden)]
    [InlineData("fe80::1", SsrfAddressKind.Forbidden)]
    [InlineData("febf:ffff::1", SsrfAddressKind.Forbidden)]
    [InlineData("0.0.0.0", SsrfAddressKind.Forbidden)]
    [InlineData("0.1.2.3", SsrfAddressKind.Forbidden)]
    [InlineData("::", SsrfAddressKind.Forbidden)]
    [InlineData("100.64.0.1", SsrfAddressKind.Forbidden)]
    [InlineData("100.100.100.200", SsrfAddressKind.Forbidden)]
    [InlineData("100.127.255.255", SsrfAddressKind.Forbidden)]
    [InlineData("224.0.0.1", SsrfAddressKind.Forbidden)]
    [InlineData("239.255.255.250", SsrfAddressKind.Forbidden)]
    [InlineData("ff02::1", SsrfAddressKind.Forbidden)]
    [InlineData("255.255.255.255", SsrfAddressKind.Forbidden)]
    [InlineData("240.0.0.1", SsrfAddressKind.Forbidden)]
    [InlineData("192.0.0.192", SsrfAddressKind.Forbidden)]
    [InlineData("127.0.0.1", SsrfAddressKind.Loopback)]
    [InlineData("127.45.6.7", SsrfAddressKind.Loopback)]
    [InlineData("::1", SsrfAddressKind.Loopback)]
    [InlineData("::ffff:127.0.0.1", SsrfAddressKind.Loopback)]
    [InlineData("10.0.0.1", SsrfAddressKind.Private)]
    [InlineData("10.255.255.255", SsrfAddressKind.Private)]
    [InlineData("172.16.0.1", SsrfAddressKind.Private)]
    [InlineData("172.31.255.255", SsrfAddressKind.Private)]
    [InlineData("192.168.1.10", SsrfAddressKind.Private)]
    [InlineData("::ffff:10.1.2.3", SsrfAddressKind.Private)]
    [InlineData("fc00::1", SsrfAddressKind.Private)]
    [InlineData("fd12:3456::1", SsrfAddressKind.Private)]
    [InlineData("8.8.8.8", SsrfAddressKind.Public)]
    [InlineData("100.63.255.255", SsrfAddressKind.Public)]
    [InlineData("100.128.0.1", SsrfAddressKind.Public)]
    [InlineData("172.15.255.255", SsrfAddressKind.Public)]
    [InlineData("172.32.0.1", SsrfAddressKind.Public)]
    [InlineData("169.253.255.255", SsrfAddressKind.Public)]
    [InlineData("2606:4700:4700::1111", SsrfAddressKind.Public)]
    [InlineData("::ffff:8.8.8.8", SsrfAddressKind.Public)]
    public void Classify_Address_Kind(string address, SsrfAddressKind expected)
    {
        Assert.Equal(expected, SsrfGuard.Classify(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("fd00:ec2::254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    public void RefusalReason_ForbiddenAddress_RefusedWhateverTheOptions(string address)
    {
        var everything = new SsrfGuardOptions { AllowLoopback = true, AllowPrivateNetworks = true, AllowedHosts = ["metadata.internal"] };

        Assert.NotNull(SsrfGuard.RefusalReason(IPAddress.Parse(address), everything));
        Assert.NotNull(SsrfGuard.RefusalReason(IPAddress.Parse(address), everything, "metadata.internal"));
    }

    [Fact]
    public void RefusalReason_Metadata_NamesAddressAndGuard()
    {
        var reason = SsrfGuard.RefusalReason(IPAddress.Parse("169.254.169.254"), new SsrfGuardOptions());

        Assert.Equal("refused: 169.254.169.254 is a link-local/metadata address (SSRF guard)", reason);
    }

    [Fact]
    public void RefusalReason_Loopback_OnlyWithAllowLoopback()
    {
        var loopback = IPAddress.Parse("127.0.0.1");

        Assert.NotNull(SsrfGuard.RefusalReason(loopback, new SsrfGuardOptions { AllowPrivateNetworks = true }));
        Assert.Null(SsrfGuard.RefusalReason(loopback, new SsrfGuardOptions { AllowLoopback = true }));
        Assert.Null(SsrfGuard.RefusalReason(IPAddress.IPv6Loopback, new SsrfGuardOptions { AllowLoopback = true }));
    }

    [Fact]
    public void RefusalReason_Private_OnlyWithAllowPrivateNetworksOrListedHost()
    {
        var address = IPAddress.Parse("10.1.2.3");
        var options = new SsrfGuardOptions { AllowedHosts = ["backend.internal", "*.svc.cluster.local"] };

        Assert.NotNull(SsrfGuard.RefusalReason(address, new SsrfGuardOptions { AllowLoopback = true }));
        Assert.Null(SsrfGuard.RefusalReason(address, new SsrfGuardOptions { AllowPrivateNetworks = true }));
        Assert.Null(SsrfGuard.RefusalReason(address, options, "BACKEND.internal"));
        Assert.Null(SsrfGuard.RefusalReason(address, options, "api.team.svc.cluster.local"));
        Assert.NotNull(SsrfGuard.RefusalReason(address, options, "svc.cluster.local"));
        Assert.NotNull(SsrfGuard.RefusalReason(address, options, "other.internal"));
        Assert.Contains("other.internal resolves to 10.1.2.3", SsrfGuard.RefusalReason(address, options, "other.internal"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("localhost")]
    [InlineData("2130706433")]
    [InlineData("0x7f.1")]
    [InlineData("127.1")]
    [InlineData("[::ffff:127.0.0.1]")]
    public async Task ExecuteAsync_LoopbackNotAllowed_RefusedBeforeConnecting(string host)
    {
        var name = $"{nameof(ExecuteAsync_LoopbackNotAllowed_RefusedBeforeConnecting)}-{host.Trim('[', ']')}";
        backend.Handle(name, Ok);
        var url = new Uri($"http://{host}:{backend.Port}/h/{name}");

        var outcome = await Execute(new SsrfGuardOptions(), url);

        Assert.Equal(OutcomeKind.Failed, outcome.Kind);
        Assert.Equal(FailureClass.Refused, outcome.Failure);
        Assert.StartsWith("refused: ", outcome.Message, StringComparison.Ordinal);
        Assert.Contains("loopback", outcome.Message, StringComparison.Ordinal);
        Assert.Equal(0, backend.Hits(name));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task ExecuteAsync_LoopbackAllowed_Succeeds(string host)
    {
        var name = $"{nameof(ExecuteAsync_LoopbackAllowed_Succeeds)}-{host}";
        backend.Handle(name, Ok);

        var outcome = await Execute(new SsrfGuardOptions { AllowLoopback = true }, new Uri($"http://{host}:{backend.Port}/h/{name}"));

        Assert.Equal(OutcomeKind.Succeeded, outcome.Kind);
        Assert.Equal(1, backend.Hits(name));
    }

    [Fact]
    public async Task ExecuteAsync_LocalhostInAllowedHosts_Succeeds()
    {
        var name = nameof(ExecuteAsync_LocalhostInAllowedHosts_Succeeds);
        backend.Handle(name, Ok);

        var outcome = await Execute(new SsrfGuardOptions { AllowedHosts = ["localhost"] }, new Uri($"http://localhost:{backend.Port}/h/{name}"));

        Assert.Equal(OutcomeKind.Succeeded, outcome.Kind);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local/metadata")]
    [InlineData("http://10.0.0.1/", "10.0.0.1", "private-network")]
    [InlineData("http://[::ffff:169.254.169.254]/", "::ffff:169.254.169.254", "link-local/metadata")]
    [InlineData("http://[fd00:ec2::254]/", "fd00:ec2::254", "metadata")]
    [InlineData("http://[fe80::1%25eth0]/", "fe80::1", "link-local")]
    [InlineData("http://0xa9fea9fe/", "169.254.169.254", "link-local/metadata")]
    [InlineData("http://100.100.100.200/", "100.100.100.200", "CGNAT")]
    [InlineData("http://0.0.0.0/", "0.0.0.0", "unspecified")]
    public async Task ExecuteAsync_InternalAddress_RefusedBeforeConnecting(string url, string address, string kind)
    {
        var options = new SsrfGuardOptions { AllowLoopback = true };
        Assert.NotNull(SsrfGuard.RefusalReason(IPAddress.Parse(address), options));

        var outcome = await Execute(options, new Uri(url), LoopbackOnly);

        Assert.Equal(FailureClass.Refused, outcome.Failure);
        Assert.Contains(kind, outcome.Message, StringComparison.Ordinal);
        Assert.Contains("(SSRF guard", outcome.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://10.0.0.1/", "10.0.0.1")]
    [InlineData("http://169.254.169.254/latest/meta-data/iam/", "169.254.169.254")]
    public async Task ExecuteAsync_RedirectFromAllowedServerToInternalAddress_Refused(string location, string address)
    {
        var options = new SsrfGuardOptions { AllowLoopback = true };
        Assert.NotNull(SsrfGuard.RefusalReason(IPAddress.Parse(address), options));
        var name = $"{nameof(ExecuteAsync_RedirectFromAllowedServerToInternalAddress_Refused)}-{address}";
        var url = backend.Handle(name, context =>
        {
            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = location;
            return Task.CompletedTask;
        });

        var outcome = await Execute(options, url, LoopbackOnly);

        Assert.Equal(1, backend.Hits(name));
        Assert.Equal(FailureClass.Refused, outcome.Failure);
        Assert.Contains(address, outcome.Message, StringComparison.Ordinal);
    }

    private static Task Ok(HttpContext context) => context.Response.WriteAsync("{}");

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("[::ffff:169.254.169.254]")]
    [InlineData("10.0.0.1")]
    [InlineData("localhost")]
    public async Task ConnectAsync_RefusedHost_ThrowsBeforeAnyConnect(string host)
    {
        var attempted = new List<IPEndPoint>();

        var error = await Assert.ThrowsAsync<SsrfRefusedException>(async () => await SsrfGuard.ConnectAsync(
            new SsrfGuardOptions(),
            new DnsEndPoint(host, 80),
            (endPoint, _) =>
            {
                attempted.Add(endPoint);
                throw new SocketException((int)SocketError.ConnectionRefused);
            },
            CancellationToken.None));

        Assert.Empty(attempted);
        Assert.NotNull(error.Address);
        Assert.StartsWith("refused: ", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The real socket connect for loopback; anything else throws before a socket exists.</summary>
    private static async ValueTask<Stream> LoopbackOnly(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        if (!IPAddress.IsLoopback(endPoint.Address))
        {
            throw new InvalidOperationException($"test connector: refusing to connect to {endPoint}");
        }

        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<AttemptOutcome> Execute(
        SsrfGuardOptions options,
        Uri url,
        Func<IPEndPoint, CancellationToken, ValueTask<Stream>>? connect = null)
    {
        var handler = connect is null ? LoomHttpHandler.Create(options) : LoomHttpHandler.CreateWithConnector(options, connect);
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var executor = new HttpTaskExecutor(client, new ExecutorOptions(), TimeProvider.System);
        return await executor.ExecuteAsync(Prepare(url), Generous, CancellationToken.None);
    }
}
