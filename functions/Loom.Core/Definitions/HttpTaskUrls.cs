using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
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

    /// <summary>
    /// Checks a URL template: an expression may stand for a path segment's text, a query value or a fragment (its value is
    /// percent-encoded there when rendered), or, as one <c>params.NAME</c> and nothing else, for the whole host, the whole port,
    /// or the whole base URL at the start (checked as a literal URL is when a run is triggered); the literal parts must make a valid URL.
    /// </summary>
    public static string? CheckTemplate(string url)
    {
        var references = TemplateEngine.FindReferences(url);
        if (references.Count == 0)
        {
            return Check(url);
        }

        var located = Locate(url, references, out var error);
        if (error is not null)
        {
            return $"invalid URL '{YamlValues.Shorten(url)}': {error}";
        }

        // Each expression becomes a stand-in valid in its place, so only the literal parts are judged.
        var probe = new StringBuilder(url.Length);
        var position = 0;
        foreach (var (reference, part) in located)
        {
            probe.Append(url, position, reference.Offset - position).Append(part switch
            {
                UrlPart.BaseUrl => "http://h",
                UrlPart.Host => "h",
                _ => "1",
            });
            position = reference.Offset + reference.Length;
        }

        probe.Append(url, position, url.Length - position);
        return Check(probe.ToString()) is null ? null : $"invalid URL '{YamlValues.Shorten(url)}': use an absolute http:// or https:// URL (expressions may stand for its parts)";
    }

    /// <summary>
    /// Renders a URL template: a value in the path, query or fragment is percent-encoded (so '/', '?', '#', '@' and '&amp;' stay
    /// data), a host, port or base URL value must be one; the result is checked as a literal URL is. Messages never quote a value.
    /// </summary>
    /// <exception cref="TemplateException">An expression is malformed, has no value, or its value does not fit its place.</exception>
    public static string Render(string url, TemplateScope scope)
    {
        var references = TemplateEngine.FindReferences(url);
        if (references.Count == 0)
        {
            return url;
        }

        var located = Locate(url, references, out var error);
        if (error is not null)
        {
            throw new TemplateException(error);
        }

        var text = new StringBuilder(url.Length + 64);
        var position = 0;
        var hasPathValue = false;
        foreach (var (reference, part) in located)
        {
            text.Append(url, position, reference.Offset - position);
            position = reference.Offset + reference.Length;
            var value = TemplateEngine.ResolveText(reference, scope);
            switch (part)
            {
                case UrlPart.BaseUrl or UrlPart.Host or UrlPart.Port:
                    if (PlaceError(part, value) is { } placeError)
                    {
                        throw new TemplateException($"'${{{{ {reference.Expression} }}}}' {placeError}", reference.Expression);
                    }

                    // "${{ params.base }}/path" with a base ending in '/' would give "//path".
                    text.Append(part == UrlPart.BaseUrl && position < url.Length && url[position] == '/' ? value.TrimEnd('/') : value);
                    break;
                default:
                    hasPathValue |= part == UrlPart.Path;
                    text.Append(Uri.EscapeDataString(value));
                    break;
            }
        }

        text.Append(url, position, url.Length - position);
        var rendered = text.ToString();
        if (hasPathValue && HasDotSegment(rendered))
        {
            // Dot segments are resolved by every URL parser (encoded or not), so a value of "." or ".." would climb the path.
            throw new TemplateException("a value makes a '.' or '..' path segment, which would change the path it is part of");
        }

        return rendered;
    }

    /// <summary>
    /// Checks the run's parameters that give a task's host, port or base URL, as a literal URL is checked; one message per bad value
    /// (naming the task and parameter, never the value).
    /// </summary>
    public static IReadOnlyList<string> CheckRunParams(WorkflowDefinition workflow, JsonObject values)
    {
        var errors = new List<string>();
        foreach (var task in workflow.Tasks)
        {
            errors.AddRange(CheckParams(task.Url, name => values[name]).Select(error => $"{error} in task '{task.Id}'"));
        }

        return errors;
    }

    /// <summary>Checks the values <paramref name="valueOf"/> gives the parameters that are a URL template's host, port or base URL; null ones are not checked.</summary>
    internal static IEnumerable<string> CheckParams(string url, Func<string, JsonNode?> valueOf)
    {
        var references = TemplateEngine.FindReferences(url);
        if (references.Count == 0)
        {
            yield break;
        }

        foreach (var (reference, part) in Locate(url, references, out _))
        {
            if (part is UrlPart.BaseUrl or UrlPart.Host or UrlPart.Port && valueOf(reference.Name!) is { } value
                && PlaceError(part, value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value.ToJsonString()) is { } error)
            {
                yield return $"parameter '{reference.Name}' {error}";
            }
        }
    }

    /// <summary>Why a value cannot be the host, port or base URL it stands for; null when it can.</summary>
    private static string? PlaceError(UrlPart part, string value) => part switch
    {
        UrlPart.Host => Uri.CheckHostName(value) is UriHostNameType.Dns or UriHostNameType.IPv4
                        || (Uri.CheckHostName(value) == UriHostNameType.IPv6 && value.StartsWith('['))
            ? null
            : "must be a host name or IP address (it is the URL's host)",
        UrlPart.Port => value.Length is > 0 and <= 5 && value.All(char.IsAsciiDigit) && int.Parse(value, CultureInfo.InvariantCulture) is > 0 and <= 65535
            ? null
            : "must be a port number from 1 to 65535 (it is the URL's port)",
        _ => value.AsSpan().IndexOfAny("?#") < 0 && Check(value) is null
            ? null
            : "must be an absolute http:// or https:// URL without credentials, query or fragment (it is the URL's base)",
    };

    /// <summary>Where each expression of a URL template stands; <paramref name="error"/> says why one stands where none may.</summary>
    private static List<(TemplateReference Reference, UrlPart Part)> Locate(string url, IReadOnlyList<TemplateReference> references, out string? error)
    {
        error = null;
        var located = new List<(TemplateReference, UrlPart)>(references.Count);
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (references[0].Offset < schemeEnd || schemeEnd < 0)
        {
            var first = references[0];
            var next = first.Offset + first.Length;
            if (first.Offset != 0 || (next < url.Length && url[next] is not ('/' or '?' or '#')))
            {
                error = "an expression before '://' must be the whole base URL, e.g. ${{ params.baseUrl }}/path";
                return located;
            }

            located.Add((first, UrlPart.BaseUrl));
            return LocateAfterAuthority(url, references, 1, next, located, ref error);
        }

        // The authority runs to the first '/', '?' or '#' outside an expression.
        var authorityStart = schemeEnd + 3;
        var index = 0;
        var end = authorityStart;
        var inAuthority = new List<TemplateReference>();
        while (end < url.Length)
        {
            if (index < references.Count && references[index].Offset == end)
            {
                inAuthority.Add(references[index]);
                end += references[index].Length;
                index++;
                continue;
            }

            if (url[end] is '/' or '?' or '#')
            {
                break;
            }

            end++;
        }

        if (inAuthority.Count > 0)
        {
            // The port follows the last ':' outside an expression and outside an IPv6 literal's brackets.
            var colon = -1;
            for (var i = authorityStart; i < end; i++)
            {
                if (inAuthority.FirstOrDefault(r => r.Offset == i) is { } r)
                {
                    i += r.Length - 1;
                }
                else if (url[i] == ':')
                {
                    colon = i;
                }
                else if (url[i] == ']')
                {
                    colon = -1;
                }
            }

            var hostEnd = colon < 0 ? end : colon;
            foreach (var reference in inAuthority)
            {
                var (from, to, part) = reference.Offset < hostEnd ? (authorityStart, hostEnd, UrlPart.Host) : (colon + 1, end, UrlPart.Port);
                if (reference.Offset != from || reference.Offset + reference.Length != to || reference.Root != "params")
                {
                    error = "an expression in the host or port must be a parameter and the whole host or port, e.g. http://${{ params.host }}:${{ params.port }}/path";
                    return located;
                }

                located.Add((reference, part));
            }
        }

        return LocateAfterAuthority(url, references, index, end, located, ref error);
    }

    private static List<(TemplateReference Reference, UrlPart Part)> LocateAfterAuthority(
        string url, IReadOnlyList<TemplateReference> references, int index, int position, List<(TemplateReference, UrlPart)> located, ref string? error)
    {
        if (located is [(var first, UrlPart.BaseUrl), ..] && first.Root != "params")
        {
            error = "an expression that gives the base URL must be a parameter, e.g. ${{ params.baseUrl }}/path";
            return located;
        }

        var part = UrlPart.Path;
        for (var i = position; i < url.Length; i++)
        {
            if (index < references.Count && references[index].Offset == i)
            {
                located.Add((references[index], part));
                i += references[index].Length - 1;
                index++;
            }
            else if (url[i] == '?' && part == UrlPart.Path)
            {
                part = UrlPart.Query;
            }
            else if (url[i] == '#')
            {
                part = UrlPart.Fragment;
            }
        }

        return located;
    }

    private static bool HasDotSegment(string url)
    {
        var path = url.AsSpan();
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        path = path[(schemeEnd + 3)..];
        var slash = path.IndexOf('/');
        if (slash < 0)
        {
            return false;
        }

        path = path[slash..];
        var stop = path.IndexOfAny('?', '#');
        if (stop >= 0)
        {
            path = path[..stop];
        }

        foreach (var range in path.Split('/'))
        {
            var segment = path[range].ToString().Replace("%2E", ".", StringComparison.OrdinalIgnoreCase);
            if (segment is "." or "..")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Where in a URL an expression stands.</summary>
    private enum UrlPart
    {
        BaseUrl,
        Host,
        Port,
        Path,
        Query,
        Fragment,
    }
}
