using System.Security.Cryptography;
using System.Text;

namespace Loom.Core.Definitions;

/// <summary>Identity of a workflow source's content, insensitive to line endings and trailing whitespace.</summary>
public static class WorkflowSource
{
    /// <summary>Lower-case hex SHA-256 of the source after <see cref="Normalize"/>; registering the same content twice gives the same hash.</summary>
    public static string ContentHash(string source) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Normalize(source))));

    /// <summary>The source with a leading byte-order mark dropped, line endings as \n, trailing whitespace removed from every line and trailing blank lines dropped.</summary>
    public static string Normalize(string source)
    {
        var text = source.StartsWith('\uFEFF') ? source[1..] : source;
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var result = new StringBuilder(text.Length);
        var pendingBlankLines = 0;
        foreach (var line in lines)
        {
            var trimmed = line.TrimEnd();
            if (trimmed.Length == 0)
            {
                pendingBlankLines++;
                continue;
            }

            // Blank lines count only when content follows, so a trailing newline or two changes nothing.
            if (result.Length > 0 || pendingBlankLines > 0)
            {
                result.Append('\n', pendingBlankLines + (result.Length > 0 ? 1 : 0));
            }

            pendingBlankLines = 0;
            result.Append(trimmed);
        }

        return result.ToString();
    }
}
