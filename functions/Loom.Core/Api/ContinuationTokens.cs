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
        if (storeToken is null)
        {
            return null;
        }

        var payload = new JsonObject
        {
            ["v"] = 1,
            ["workflowId"] = query.WorkflowId,
            ["status"] = query.Status,
            ["since"] = Since(query),
            ["next"] = storeToken,
        };
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()));
    }

    /// <summary>
    /// The store's token inside <paramref name="token"/>, after checking that it was issued for the same filters as
    /// <paramref name="query"/>; null for no token. The error says why a token is refused.
    /// </summary>
    public static bool TryRedeem(RunQuery query, string? token, out string? storeToken, out string? error)
    {
        ArgumentNullException.ThrowIfNull(query);
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
        Compare("workflowId", Text(payload, "workflowId"), query.WorkflowId, mismatches);
        Compare("status", Text(payload, "status"), query.Status, mismatches);
        Compare("since", Text(payload, "since"), Since(query), mismatches);
        if (mismatches.Count > 0)
        {
            error = $"this continuation token belongs to another listing ({string.Join("; ", mismatches)}): page on with the filters it was issued for, or start again without continuation.";
            return false;
        }

        storeToken = inner;
        return true;
    }

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

    private static string? Since(RunQuery query) => query.Since?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}
