using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace Loom.Core.Execution;

/// <summary>What an IP address is, as far as the SSRF guard cares.</summary>
public enum SsrfAddressKind
{
    /// <summary>A public unicast address: always allowed.</summary>
    Public,

    /// <summary>127.0.0.0/8 or ::1: allowed only with <see cref="SsrfGuardOptions.AllowLoopback"/>.</summary>
    Loopback,

    /// <summary>10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10: allowed only with <see cref="SsrfGuardOptions.AllowPrivateNetworks"/>.</summary>
    Private,

    /// <summary>Link-local, metadata, CGNAT, unspecified, multicast, broadcast, reserved: always refused.</summary>
    Forbidden,
}

/// <summary>The SSRF guard: classifies addresses and connects only to allowed ones (used by <see cref="LoomHttpHandler"/>).</summary>
public static class SsrfGuard
{
    /// <summary>What <paramref name="address"/> is; IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4) take the embedded address's kind.</summary>
    public static SsrfAddressKind Classify(IPAddress address) => Describe(address).Kind;

    /// <summary>Why <paramref name="address"/> is refused under <paramref name="options"/>, or null when it is allowed.</summary>
    /// <param name="address">The address about to be connected.</param>
    /// <param name="options">The guard's settings.</param>
    /// <param name="host">The host name the address came from, when it was resolved from one (named in the message, matched against <see cref="SsrfGuardOptions.AllowedHosts"/>).</param>
    public static string? RefusalReason(IPAddress address, SsrfGuardOptions options, string? host = null)
    {
        var (kind, description) = Describe(address);
        var hostAllowed = host is not null && options.IsHostAllowed(host);
        var refused = kind switch
        {
            SsrfAddressKind.Forbidden => true,
            SsrfAddressKind.Loopback => !options.AllowLoopback && !hostAllowed,
            SsrfAddressKind.Private => !options.AllowPrivateNetworks && !hostAllowed,
            _ => false,
        };
        if (!refused)
        {
            return null;
        }

        var hint = kind switch
        {
            SsrfAddressKind.Loopback => "; allow it with AllowLoopback or AllowedHosts",
            SsrfAddressKind.Private => "; allow it with AllowPrivateNetworks or AllowedHosts",
            _ => string.Empty,
        };
        var subject = host is null || IPAddress.TryParse(host.Trim('[', ']'), out _)
            ? $"{address} is"
            : $"{host} resolves to {address},";
        return $"refused: {subject} {description} (SSRF guard{hint})";
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/> body: resolves the host, drops every address the guard refuses and
    /// connects to the first allowed one that answers, so the check applies to the address actually connected.
    /// </summary>
    /// <exception cref="SsrfRefusedException">No resolved address is allowed; nothing was connected.</exception>
    public static ValueTask<Stream> ConnectAsync(SsrfGuardOptions options, DnsEndPoint endPoint, CancellationToken cancellationToken) =>
        ConnectAsync(options, endPoint, ConnectSocketAsync, cancellationToken);

    /// <summary>The same, with the final TCP connect supplied (tests use one that can only reach loopback).</summary>
    internal static async ValueTask<Stream> ConnectAsync(
        SsrfGuardOptions options,
        DnsEndPoint endPoint,
        Func<IPEndPoint, CancellationToken, ValueTask<Stream>> connect,
        CancellationToken cancellationToken)
    {
        var host = endPoint.Host;
        var literal = host.Trim('[', ']');
        var addresses = IPAddress.TryParse(literal, out var parsed)
            ? [parsed]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);

        var allowed = new List<IPAddress>(addresses.Length);
        string? firstRefusal = null;
        IPAddress? firstRefused = null;
        foreach (var address in addresses)
        {
            var reason = RefusalReason(address, options, host);
            if (reason is null)
            {
                allowed.Add(address);
            }
            else if (firstRefusal is null)
            {
                firstRefusal = reason;
                firstRefused = address;
            }
        }

        if (allowed.Count == 0)
        {
            throw new SsrfRefusedException(firstRefusal ?? $"refused: {host} resolved to no address (SSRF guard)", host, firstRefused);
        }

        SocketException? lastError = null;
        foreach (var address in allowed)
        {
            try
            {
                return await connect(new IPEndPoint(address, endPoint.Port), cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                // Refused or unreachable: the next allowed address may answer.
                lastError = ex;
            }
        }

        throw lastError!;
    }

    private static async ValueTask<Stream> ConnectSocketAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static (SsrfAddressKind Kind, string Description) Describe(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> v4 = stackalloc byte[4];
            address.TryWriteBytes(v4, out _);
            return DescribeV4(v4);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return (SsrfAddressKind.Forbidden, "not an IP address");
        }

        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        if (address.Equals(IPAddress.IPv6Any))
        {
            return (SsrfAddressKind.Forbidden, "the unspecified address");
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return (SsrfAddressKind.Loopback, "a loopback address");
        }

        // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::)
        // reach an IPv4 host; judge that host, or ::ffff:169.254.169.254 would slip through.
        var mapped = b[..10].IndexOfAnyExcept((byte)0) < 0 && b[10] == 0xff && b[11] == 0xff;
        var compatible = b[..12].IndexOfAnyExcept((byte)0) < 0;
        var nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..12].IndexOfAnyExcept((byte)0) < 0;
        if (mapped || compatible || nat64)
        {
            return DescribeV4(b[12..]);
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return DescribeV4(b[2..6]);
        }

        // fd00:ec2::254, the AWS metadata service over IPv6 (inside fc00::/7, but refused always).
        if (b[0] == 0xfd && b[1] == 0x00 && b[2] == 0x0e && b[3] == 0xc2 && b[4..14].IndexOfAnyExcept((byte)0) < 0 && b[14] == 0x02 && b[15] == 0x54)
        {
            return (SsrfAddressKind.Forbidden, "a cloud metadata address");
        }

        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
        {
            return (SsrfAddressKind.Forbidden, "a link-local address");
        }

        if (b[0] == 0xff)
        {
            return (SsrfAddressKind.Forbidden, "a multicast address");
        }

        if ((b[0] & 0xfe) == 0xfc)
        {
            return (SsrfAddressKind.Private, "a private-network (unique local) address");
        }

        if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
        {
            return (SsrfAddressKind.Private, "a private-network (site-local) address");
        }

        return (SsrfAddressKind.Public, "a public address");
    }

    private static (SsrfAddressKind Kind, string Description) DescribeV4(ReadOnlySpan<byte> a) => a switch
    {
        [169, 254, ..] => (SsrfAddressKind.Forbidden, "a link-local/metadata address"),
        [0, ..] => (SsrfAddressKind.Forbidden, "an unspecified (0.0.0.0/8) address"),
        [100, var b, ..] when (b & 0xc0) == 64 => (SsrfAddressKind.Forbidden, "a shared (CGNAT) address, used by some cloud metadata services"),
        [192, 0, 0, _] => (SsrfAddressKind.Forbidden, "an IETF special-purpose address"),
        [255, 255, 255, 255] => (SsrfAddressKind.Forbidden, "the broadcast address"),
        [var f, ..] when f >= 224 && f < 240 => (SsrfAddressKind.Forbidden, "a multicast address"),
        [var f, ..] when f >= 240 => (SsrfAddressKind.Forbidden, "a reserved address"),
        [127, ..] => (SsrfAddressKind.Loopback, "a loopback address"),
        [10, ..] => (SsrfAddressKind.Private, "a private-network address"),
        [172, var b, ..] when (b & 0xf0) == 16 => (SsrfAddressKind.Private, "a private-network address"),
        [192, 168, ..] => (SsrfAddressKind.Private, "a private-network address"),
        _ => (SsrfAddressKind.Public, "a public address"),
    };
}
