using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Loom.Core.Execution;

/// <summary>
/// Unguessable callback tokens: the target plus an HMAC under a host secret. Validation needs no storage;
/// single use comes from the state machine, which accepts a callback only while that attempt is waiting.
/// </summary>
public sealed class CallbackTokens
{
    private readonly byte[] _key;

    /// <summary>Creates the token service; the key must be at least 16 bytes of secret material.</summary>
    public CallbackTokens(byte[] key)
    {
        if (key.Length < 16) throw new ArgumentException("The callback signing key must be at least 16 bytes.", nameof(key));
        _key = key;
    }

    /// <summary>The token for one waiting attempt.</summary>
    public string Create(CallbackTarget target)
    {
        var payload = Encoding.UTF8.GetBytes($"{target.RunId}\n{target.TaskId}\n{target.Attempt}");
        return Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(HMACSHA256.HashData(_key, payload));
    }

    /// <summary>
    /// A key for another kind of token (webhook URLs), derived from the callback signing key: one host secret signs both, and a
    /// token of one kind never verifies as the other.
    /// </summary>
    public byte[] DeriveKey(string purpose) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("loom-derived-key\n" + purpose));

    /// <summary>The target of a token, or null when the token is malformed or its signature does not verify.</summary>
    public CallbackTarget? Validate(string token)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || token.Length > 2048) return null;
        byte[] payload, mac;
        try
        {
            payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            mac = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return null;
        }
        if (!CryptographicOperations.FixedTimeEquals(mac, HMACSHA256.HashData(_key, payload))) return null;
        var parts = Encoding.UTF8.GetString(payload).Split('\n');
        return parts.Length == 3 && int.TryParse(parts[2], out var attempt) ? new CallbackTarget(parts[0], parts[1], attempt) : null;
    }
}
