using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Engine;
using Loom.Core.Json;

namespace Loom.Core.Execution;

/// <summary>A task output after the size cap: the output itself, or the truncation marker.</summary>
/// <param name="Output">The output, or <c>{ "truncated": true, "bytes": N, "preview": "..." }</c> when it was too large.</param>
/// <param name="Truncated">True when <paramref name="Output"/> is the truncation marker.</param>
public sealed record LimitedOutput(JsonNode? Output, bool Truncated);

/// <summary>
/// Caps task outputs. An output whose serialised JSON exceeds the limit is replaced by the marker
/// <c>{ "truncated": true, "bytes": N, "preview": "&lt;first KiBs as text&gt;" }</c>: N is the size in bytes of what was
/// cut (for a response body not read to its end, its Content-Length, or a lower bound when none was sent), and the preview
/// is its first bytes (at most 2 KiB, half the limit when that is smaller), decoded as UTF-8 text.
/// Downstream templates reading <c>tasks.X.output.truncated</c> can tell the two apart.
/// </summary>
public static class OutputLimit
{
    /// <summary>Most bytes of a task output (serialised JSON) kept, whichever path it comes by (a response or a callback).</summary>
    public const int DefaultMaxOutputBytes = 64 * 1024;

    /// <summary>Most bytes of a preview.</summary>
    public const int MaxPreviewBytes = 2048;

    /// <summary>
    /// The outcome with its output admitted the same way whichever path it came by (a response, a callback): an output nested
    /// deeper than <see cref="JsonNesting.MaxDepth"/> fails a successful attempt for good with the reason (it would fail again
    /// on every retry) and is dropped from a failed one; an output larger than <paramref name="maxOutputBytes"/> is replaced by
    /// the truncation marker.
    /// </summary>
    public static AttemptOutcome Admit(AttemptOutcome outcome, int maxOutputBytes)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Output is null)
        {
            return outcome;
        }

        if (JsonNesting.Check(outcome.Output, "the output") is { } tooDeep)
        {
            return outcome.Kind == OutcomeKind.Failed
                ? outcome with { Output = null, OutputTruncated = false, Message = outcome.Message is null ? tooDeep : $"{outcome.Message} ({tooDeep})" }
                : Refuse(outcome, tooDeep);
        }

        var limited = Apply(outcome.Output, maxOutputBytes);
        return outcome with { Output = limited.Output, OutputTruncated = outcome.OutputTruncated || limited.Truncated };
    }

    /// <summary>A final failure for an attempt whose answer Loom cannot keep (never retried: the same answer would come back).</summary>
    public static AttemptOutcome Refuse(AttemptOutcome outcome, string reason)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return AttemptOutcome.Fail(FailureClass.Invalid, reason, outcome.StatusCode) with { Retryable = false, Duration = outcome.Duration, RetryAfter = null };
    }

    /// <summary>The output itself when its serialised form fits <paramref name="maxOutputBytes"/>, else the truncation marker.</summary>
    public static LimitedOutput Apply(JsonNode? output, int maxOutputBytes)
    {
        if (output is null)
        {
            return new LimitedOutput(null, false);
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(output);
        return bytes.Length <= maxOutputBytes
            ? new LimitedOutput(output, false)
            : new LimitedOutput(Marker(bytes.Length, bytes, maxOutputBytes), true);
    }

    /// <summary>The truncation marker for content of <paramref name="totalBytes"/> bytes whose start is <paramref name="head"/>.</summary>
    public static JsonObject Marker(long totalBytes, ReadOnlySpan<byte> head, int maxOutputBytes) => new()
    {
        ["truncated"] = true,
        ["bytes"] = totalBytes,
        ["preview"] = Utf8Prefix(head, Math.Min(MaxPreviewBytes, maxOutputBytes / 2)),
    };

    /// <summary>At most <paramref name="maxBytes"/> bytes of UTF-8 as text, never cutting a character in two.</summary>
    internal static string Utf8Prefix(ReadOnlySpan<byte> bytes, int maxBytes)
    {
        var length = Math.Min(Math.Max(maxBytes, 0), bytes.Length);
        while (length > 0 && length < bytes.Length && (bytes[length] & 0xC0) == 0x80)
        {
            length--;
        }

        return Encoding.UTF8.GetString(bytes[..length]);
    }
}
