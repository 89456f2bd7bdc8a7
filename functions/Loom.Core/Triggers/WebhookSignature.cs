using System.Security.Cryptography;
using System.Text;

namespace Loom.Core.Triggers;

/// <summary>
/// The sender's signature of a webhook body: <c>sha256=</c> and the hex HMAC-SHA256 of the raw body under the shared secret, in
/// <c>X-Loom-Signature</c> (what Loom itself sends to backends) or <c>X-Hub-Signature-256</c> (GitHub's header).
/// </summary>
public static class WebhookSignature
{
    /// <summary>Loom's signature header.</summary>
    public const string LoomHeader = "X-Loom-Signature";

    /// <summary>GitHub's signature header.</summary>
    public const string GitHubHeader = "X-Hub-Signature-256";

    /// <summary>The header value a sender puts on <paramref name="body"/>.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Why the signature does not hold, or null when it does; the comparison takes the same time whatever the mismatch.</summary>
    public static string? Check(string secret, ReadOnlySpan<byte> body, string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return $"this webhook checks signatures: send {LoomHeader} (or {GitHubHeader}): sha256=<hex HMAC-SHA256 of the body>";
        }

        var value = header.Trim();
        if (!value.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase) || value.Length != 7 + 64)
        {
            return "the signature must be sha256=<64 hex digits>";
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(value.AsSpan(7));
        }
        catch (FormatException)
        {
            return "the signature must be sha256=<64 hex digits>";
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body);
        return CryptographicOperations.FixedTimeEquals(given, expected) ? null : "the signature does not match the body";
    }
}
