using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Loom.Storage.Stores;

/// <summary>Encodes ids into Table keys: the characters keys forbid (/ \ # ? and control characters), the escape '%' and the separator '|' become %XX, and over-long keys are shortened with a hash.</summary>
public static class TableKey
{
    /// <summary>Longest key written (Azure allows 1 KiB, i.e. 512 UTF-16 characters; Azurite checks 512 characters).</summary>
    public const int MaxLength = 512;

    /// <summary>The separator used inside composite keys; never produced by <see cref="Encode(string)"/>.</summary>
    public const char Separator = '|';

    // What Encode escapes: the forbidden characters, the escape, the separator and the control characters (char.IsControl).
    private static readonly SearchValues<char> Escaped = SearchValues.Create(
        "/\\#?%" + Separator + new string([.. Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c)]));

    /// <summary>The key form of an id; distinct ids give distinct keys, and short keys decode back with <see cref="Decode(string)"/>.</summary>
    public static string Encode(string value) => Encode(value, MaxLength);

    /// <summary>The key form of an id, at most <paramref name="maxLength"/> characters (for parts of composite keys).</summary>
    public static string Encode(string value, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 80);
        if (value.Length <= maxLength && !value.AsSpan().ContainsAny(Escaped))
        {
            // The common case (ids are plain): the id is its own key. Keys are built for every row of every commit.
            return value;
        }

        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '/' or '\\' or '#' or '?' or '%' or Separator || char.IsControl(c))
            {
                builder.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        if (builder.Length <= maxLength)
        {
            return builder.ToString();
        }

        // Keep a readable head and make the whole unique with a hash of the full id ('~' marks the shortened form).
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
        var head = builder.ToString(0, maxLength - hash.Length - 1);
        if (char.IsHighSurrogate(head[^1]))
        {
            head = head[..^1];
        }

        return head + "~" + hash;
    }

    /// <summary>The id a key was encoded from (for keys that were not shortened).</summary>
    public static string Decode(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var builder = new StringBuilder(key.Length);
        for (var i = 0; i < key.Length; i++)
        {
            if (key[i] == '%' && i + 2 < key.Length && int.TryParse(key.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
            {
                builder.Append((char)code);
                i += 2;
            }
            else
            {
                builder.Append(key[i]);
            }
        }

        return builder.ToString();
    }

    /// <summary>Ticks counted down from the end of time, zero-padded, so that newer instants sort first.</summary>
    public static string NewestFirst(DateTimeOffset instant) =>
        (DateTimeOffset.MaxValue.UtcTicks - instant.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);
}
