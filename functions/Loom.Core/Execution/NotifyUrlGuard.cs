using System.Net;
using Loom.Core.Definitions;

namespace Loom.Core.Execution;

/// <summary>The SSRF guard's word on a notification URL before anything is sent: a literal address it refuses whatever the settings is refused at registration.</summary>
public static class NotifyUrlGuard
{
    /// <summary>Why <paramref name="url"/> is refused because its host is an address the SSRF guard always refuses (link-local, metadata), or null.</summary>
    public static string? AlwaysRefused(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address)
            && SsrfGuard.Classify(address) == SsrfAddressKind.Forbidden
            ? $"invalid notification URL '{YamlValues.Shorten(url)}': {SsrfGuard.RefusalReason(address, new SsrfGuardOptions())}"
            : null;
}
