using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Loom.Core.Execution;

/// <summary>Builds the callback URL of a waiting attempt.</summary>
/// <param name="BaseUrl">Public base URL of the host (no trailing slash needed).</param>
/// <param name="Tokens">Token signing.</param>
public sealed record CallbackUrls(string BaseUrl, CallbackTokens Tokens)
{
    /// <summary>The URL the backend POSTs the attempt's result to.</summary>
    public string For(string runId, string taskId, int attempt) =>
        $"{BaseUrl.TrimEnd('/')}/api/callbacks/{Tokens.Create(new CallbackTarget(runId, taskId, attempt))}";
}
