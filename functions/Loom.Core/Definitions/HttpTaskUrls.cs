using Loom.Core.Templating;

namespace Loom.Core.Definitions;

/// <summary>Rules for task URLs: absolute http or https, a host, no credentials. Templates are checked as far as they can be before rendering.</summary>
public static class HttpTaskUrls
{
    /// <summary>Checks a rendered URL; returns why it is unusable, or null when it is fine.</summary>
    public static string? Check(string url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "the URL is empty";
        }

        if (url.Length > 8192)
        {
            return "the URL is longer than 8192 characters";
        }

        if (url.AsSpan().IndexOfAny(" \t\r\n\0") >= 0)
        {
            return $"invalid URL '{YamlValues.Shorten(url)}': it contains whitespace";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !(url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase)))
        {
            return $"invalid URL '{YamlValues.Shorten(url)}': use an absolute http:// or https:// URL";
        }

        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            return $"invalid URL '{YamlValues.Shorten(url)}': only http and https are allowed";
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            return $"invalid URL '{YamlValues.Shorten(url)}': it has no host";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "the URL must not hold credentials; send them in a header from a secret (${{ secrets.NAME }})";
        }

        return null;
    }

    /// <summary>Checks a URL template: the parts outside <c>${{ ... }}</c> must make a valid URL; a template in the scheme or host is checked after rendering.</summary>
    public static string? CheckTemplate(string url)
    {
        var references = TemplateEngine.FindReferences(url);
        if (references.Count == 0)
        {
            return Check(url);
        }

        // A URL that starts with an expression (e.g. ${{ params.baseUrl }}/path) gets its scheme and host at run time.
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0 || references[0].Offset < schemeEnd)
        {
            return null;
        }

        // Each expression becomes "1": a valid host label, port and path segment, so only the literal parts are judged.
        var probe = new System.Text.StringBuilder(url.Length);
        var position = 0;
        foreach (var reference in references)
        {
            probe.Append(url, position, reference.Offset - position).Append('1');
            position = reference.Offset + reference.Length;
        }

        probe.Append(url, position, url.Length - position);
        var error = Check(probe.ToString());
        return error is null ? null : $"invalid URL '{YamlValues.Shorten(url)}': use an absolute http:// or https:// URL (expressions may stand for its parts)";
    }
}
