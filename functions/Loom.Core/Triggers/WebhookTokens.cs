using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Loom.Core.Execution;

namespace Loom.Core.Triggers;

/// <summary>
/// The token of a workflow's webhook URL: an HMAC of the workflow id and its current salt under a key derived from the
/// callback signing key. Nothing secret is stored; rotating the salt invalidates every earlier URL.
/// </summary>
public sealed class WebhookTokens(CallbackTokens signer)
{
    private readonly byte[] _key = signer.DeriveKey("webhook");

    /// <summary>The token for <paramref name="workflowId"/> under <paramref name="salt"/> (null before the first rotation).</summary>
    public string Create(string workflowId, string? salt) => Base64Url.EncodeToString(Mac(workflowId, salt));

    /// <summary>True when <paramref name="token"/> is the current token of the workflow (compared in constant time).</summary>
    public bool Verify(string workflowId, string? salt, string token)
    {
        if (token.Length > 128) return false;
        byte[] given;
        try
        {
            given = Base64Url.DecodeFromChars(token);
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(given, Mac(workflowId, salt));
    }

    /// <summary>A fresh salt for a rotation.</summary>
    public static string NewSalt() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private byte[] Mac(string workflowId, string? salt) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{workflowId}\n{salt}"));
}
