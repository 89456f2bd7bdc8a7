using Loom.Core.Templating;

namespace Loom.Core.Execution;

/// <summary>Replaces secret values in texts Loom records, logs or reports (attempt summaries, reasons, events).</summary>
public static class SecretRedaction
{
    /// <summary>What a secret value is replaced by.</summary>
    public const string Mask = "***";

    /// <summary>
    /// The text with each value replaced by <see cref="Mask"/>: as written, percent-encoded (a URL holds it so), and ignoring
    /// case (a URL's host is lower-cased when parsed). Longer values go first, so one that contains another is masked whole.
    /// </summary>
    public static string Redact(string text, IReadOnlyCollection<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (secrets.Count == 0 || text.Length == 0)
        {
            return text;
        }

        foreach (var form in secrets.Where(s => s.Length > 0).SelectMany(s => new[] { s, Uri.EscapeDataString(s) }).Distinct(StringComparer.OrdinalIgnoreCase).OrderByDescending(s => s.Length))
        {
            text = text.Replace(form, Mask, StringComparison.OrdinalIgnoreCase);
        }

        return text;
    }
}

/// <summary>A secret provider that remembers every value it hands out, so a request built from it can be redacted.</summary>
internal sealed class RecordingSecrets(ISecretProvider inner) : ISecretProvider
{
    private readonly List<string> used = [];

    /// <summary>The values handed out so far.</summary>
    public IReadOnlyList<string> Used => used;

    /// <inheritdoc />
    public string? GetSecret(string name)
    {
        var value = inner.GetSecret(name);
        if (value is { Length: > 0 } && !used.Contains(value, StringComparer.Ordinal))
        {
            used.Add(value);
        }

        return value;
    }
}

/// <summary>The provider of a scope without secrets: every name is unknown.</summary>
internal sealed class NoSecrets : ISecretProvider
{
    public static readonly NoSecrets Instance = new();

    /// <inheritdoc />
    public string? GetSecret(string name) => null;
}
