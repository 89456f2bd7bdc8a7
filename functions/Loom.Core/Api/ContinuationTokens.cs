using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Stores;

namespace Loom.Core.Api;

/// <summary>
/// Continuation tokens bound to the listing that issued them: the query's filters (workflow, status, since) travel in the
/// token beside the store's own token, so a token presented with other filters is refused with the reason instead of
/// continuing somewhere else (a token of one workflow's listing once went on with another workflow's runs).
/// </summary>
public static class ContinuationTokens
{
    /// <summary>Longest token accepted, in characters.</summary>
    public const int MaxLength = 4096;

    /// <summary>The token to hand out for the next page of <paramref name="query"/>; null when there is no next page.</summary>
    public static string? Issue(RunQuery query, string? storeToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Issue(Filters(query), storeToken);
    }

    /// <summary>
    /// The token to hand out for the next page of a listing with these <paramref name="filters"/> (name, value; null when not
    /// given); null when there is no next page.
    /// </summary>
    public static string? Issue(IReadOnlyList<KeyValuePair<string, string?>> filters, string? storeToken)
    {
        ArgumentNullException.ThrowIfNull(filters);
        if (storeToken is null)
        {
            return null;
        }

        var payload = new JsonObject { ["v"] = 1 };
        foreach (var (name, value) in filters)
        {
            payload[name] = value;
        }

        payload["next"] = storeToken;
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()));
    }

    /// <summary>
    /// The store's token inside <paramref name="token"/>, after checking that it was issued for the same filters as
    /// <paramref name="query"/>; null for no token. The error says why a token is refused.
    /// </summary>
    public static bool TryRedeem(RunQuery query, string? token, out string? storeToken, out string? error)
    {
        ArgumentNullException.ThrowIfNull(query);
        return TryRedeem(Filters(query), token, out storeToken, out error);
    }

    /// <summary>The store's token inside <paramref name="token"/>, after checking it was issued for the same <paramref name="filters"/>.</summary>
    public static bool TryRedeem(IReadOnlyList<KeyValuePair<string, string?>> filters, string? token, out string? storeToken, out string? error)
    {
        ArgumentNullException.ThrowIfNull(filters);
        storeToken = null;
        error = null;
        if (string.IsNullOrEmpty(token))
        {
            return true;
        }

        if (token.Length > MaxLength || Read(token) is not { } payload || payload["next"] is not JsonValue next || !next.TryGetValue<string>(out var inner))
        {
            error = "continuation must be a token from a previous page of this listing.";
            return false;
        }

        var mismatches = new List<string>();
        foreach (var (name, value) in filters)
        {
            Compare(name, Text(payload, name), value, mismatches);
        }

        if (mismatches.Count > 0)
        {
            error = $"this continuation token belongs to another listing ({string.Join("; ", mismatches)}): page on with the filters it was issued for, or start again without continuation.";
            return false;
        }

        storeToken = inner;
        return true;
    }

    /// <summary>An instant as a token's filter value.</summary>
    public static string? Instant(DateTimeOffset? at) => at?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static KeyValuePair<string, string?>[] Filters(RunQuery query) =>
        [new("workflowId", query.WorkflowId), new("status", query.Status), new("since", Instant(query.Since))];

    private static JsonObject? Read(string token)
    {
        try
        {
            return JsonNode.Parse(Base64Url.DecodeFromChars(token), documentOptions: new JsonDocumentOptions { MaxDepth = 2 }) is JsonObject o
                && o["v"] is JsonValue v && v.TryGetValue<int>(out var version) && version == 1 ? o : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string? Text(JsonObject payload, string name) =>
        payload[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static void Compare(string name, string? issued, string? asked, List<string> mismatches)
    {
        if (!string.Equals(issued, asked, StringComparison.Ordinal))
        {
            mismatches.Add($"it was issued for {Show(name, issued)}, this request asks for {Show(name, asked)}");
        }
    }

    private static string Show(string name, string? value) => value is null ? $"no {name}" : $"{name}={(value.Length > 100 ? value[..100] + "..." : value)}";
}
