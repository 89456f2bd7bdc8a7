using Loom.Core.Templating;

namespace Loom.Core.Definitions;

/// <summary>
/// Rules for notification URLs: a literal URL, checked as a task URL is, or exactly <c>${{ secrets.NAME }}</c>, the whole URL
/// from a host secret (a chat webhook URL is a credential), checked when it is resolved. (The API also refuses a literal URL
/// the SSRF guard always refuses, through <see cref="WorkflowParser.Parse(string, Func{string, string?})"/>.)
/// </summary>
public static class NotifyUrls
{
    /// <summary>Why <paramref name="url"/> cannot be a notification URL, or null when it can.</summary>
    public static string? Check(string url)
    {
        var references = TemplateEngine.FindReferences(url);
        if (references.Count == 0)
        {
            return HttpTaskUrls.Check(url);
        }

        if (references is [{ IsValid: true, Root: "secrets", Name: not null, Path.Count: 2 } only] && only.Offset == 0 && only.Length == url.Length)
        {
            return null;
        }

        return $"invalid notification URL '{YamlValues.Shorten(url)}': write a literal URL, or ${{{{ secrets.NAME }}}} alone for a URL kept in a host secret";
    }

    /// <summary>The secret a URL names (<c>${{ secrets.NAME }}</c>), or null for a literal URL.</summary>
    public static string? SecretName(string url) =>
        TemplateEngine.FindReferences(url) is [{ Root: "secrets" } only] && only.Offset == 0 && only.Length == url.Length ? only.Name : null;

    /// <summary>The URL to call: the literal, or the secret's value (checked as a literal is); <paramref name="error"/> says why there is none.</summary>
    public static string? Resolve(string url, ISecretProvider secrets, out string? error)
    {
        if (SecretName(url) is not { } name)
        {
            error = null;
            return url;
        }

        var value = secrets.GetSecret(name);
        if (string.IsNullOrEmpty(value))
        {
            error = $"secret '{name}' is not configured on this host";
            return null;
        }

        // The message never quotes the value: it is a credential.
        error = HttpTaskUrls.Check(value) is null ? null : $"secret '{name}' does not hold an absolute http:// or https:// URL";
        return error is null ? value : null;
    }

    /// <summary>How a URL shows in the run's events and logs: its origin only, since the path or query of a webhook URL is often its credential.</summary>
    public static string Display(string url) =>
        SecretName(url) is { } name ? $"secrets.{name}"
        : Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority)
        : "(invalid URL)";
}
