using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Loom.Storage.Connection;

/// <summary>The two Shared Key string-to-sign rules: the Table service's short form and the Blob/Queue long form.</summary>
internal static class SharedKeySigner
{
    /// <summary>Table service Shared Key: VERB, Content-MD5, Content-Type, date (x-ms-date), canonicalized resource with only ?comp=.</summary>
    public static string TableStringToSign(string method, string? contentMd5, string? contentType, string date, string accountName, Uri uri)
    {
        var resource = new StringBuilder().Append('/').Append(accountName).Append(uri.AbsolutePath);
        var comp = QueryParameters(uri).FirstOrDefault(p => p.Name == "comp");
        if (comp.Name is not null)
        {
            resource.Append("?comp=").Append(comp.Value);
        }

        return string.Join('\n', method.ToUpperInvariant(), contentMd5 ?? "", contentType ?? "", date, resource.ToString());
    }

    /// <summary>Blob/Queue Shared Key: twelve standard headers, canonicalized x-ms- headers, canonicalized resource with every query parameter.</summary>
    public static string QueueStringToSign(string method, Func<string, string?> header, IEnumerable<(string Name, string Value)> headers, string accountName, Uri uri)
    {
        var contentLength = header("Content-Length");
        if (contentLength == "0")
        {
            contentLength = "";
        }

        var builder = new StringBuilder()
            .Append(method.ToUpperInvariant()).Append('\n')
            .Append(header("Content-Encoding")).Append('\n')
            .Append(header("Content-Language")).Append('\n')
            .Append(contentLength).Append('\n')
            .Append(header("Content-MD5")).Append('\n')
            .Append(header("Content-Type")).Append('\n')
            .Append(header("Date")).Append('\n')
            .Append(header("If-Modified-Since")).Append('\n')
            .Append(header("If-Match")).Append('\n')
            .Append(header("If-None-Match")).Append('\n')
            .Append(header("If-Unmodified-Since")).Append('\n')
            .Append(header("Range")).Append('\n')
            .Append(CanonicalizedHeaders(headers))
            .Append(QueueCanonicalizedResource(accountName, uri));
        return builder.ToString();
    }

    /// <summary>The x-ms- headers, lower-cased, sorted, one "name:value\n" each.</summary>
    public static string CanonicalizedHeaders(IEnumerable<(string Name, string Value)> headers)
    {
        var builder = new StringBuilder();
        foreach (var group in headers
            .Where(h => h.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .Select(h => (Name: h.Name.ToLowerInvariant(), Value: h.Value.Trim()))
            .GroupBy(h => h.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            builder.Append(group.Key).Append(':').Append(string.Join(',', group.Select(h => h.Value))).Append('\n');
        }

        return builder.ToString();
    }

    /// <summary>The Blob/Queue canonicalized resource: /account/path then "\nname:v1,v2" per query parameter, names sorted.</summary>
    public static string QueueCanonicalizedResource(string accountName, Uri uri)
    {
        var builder = new StringBuilder().Append('/').Append(accountName).Append(uri.AbsolutePath);
        foreach (var group in QueryParameters(uri).GroupBy(p => p.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            builder.Append('\n').Append(group.Key).Append(':')
                .Append(string.Join(',', group.Select(p => p.Value).Order(StringComparer.Ordinal)));
        }

        return builder.ToString();
    }

    /// <summary>Base64 HMAC-SHA256 of the string to sign.</summary>
    public static string Sign(byte[] key, string stringToSign) =>
        Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>RFC 1123 date as the x-ms-date header wants it.</summary>
    public static string FormatDate(DateTimeOffset now) => now.UtcDateTime.ToString("R", CultureInfo.InvariantCulture);

    private static IEnumerable<(string Name, string Value)> QueryParameters(Uri uri)
    {
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0)
        {
            yield break;
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? pair : pair[..eq];
            var value = eq < 0 ? "" : pair[(eq + 1)..];
            yield return (Uri.UnescapeDataString(name).ToLowerInvariant(), Uri.UnescapeDataString(value));
        }
    }
}
