using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Loom.Core.Scheduling;

/// <summary>
/// Builds and reads run ids: <c>{workflowId}@{yyyyMMddTHHmmssZ}</c> for a scheduled occurrence and
/// <c>{workflowId}@m{yyyyMMddTHHmmssfff}-{8 hex}</c> for a manual run.
/// </summary>
/// <remarks>
/// An occurrence's id depends only on the workflow and the instant, so a tick that runs twice, two servers
/// ticking at once, or a backfill of an already scheduled instant all produce the same id, and the store's
/// insert-if-absent starts it once. Ids contain only letters, digits, '.', '-', '_' and '@': safe as Azure
/// Table keys (no '/', '\', '#', '?' or control characters) and as URL path segments without escaping.
/// </remarks>
public static class RunIds
{
    private const string OccurrenceFormat = "yyyyMMdd'T'HHmmss'Z'";
    private const string ManualFormat = "yyyyMMdd'T'HHmmssfff";

    /// <summary>The deterministic id of the run for one scheduled occurrence (sub-second parts are dropped).</summary>
    /// <exception cref="ArgumentException">The workflow id is empty or has a character other than letters, digits, '.', '-' and '_'.</exception>
    public static string ForOccurrence(string workflowId, DateTimeOffset occurrenceUtc)
    {
        EnsureWorkflowId(workflowId);
        return workflowId + "@" + occurrenceUtc.UtcDateTime.ToString(OccurrenceFormat, CultureInfo.InvariantCulture);
    }

    /// <summary>Reads a scheduled run id back into its workflow id and UTC occurrence; false for manual or malformed ids.</summary>
    public static bool TryParseOccurrence(string runId, out string workflowId, out DateTimeOffset occurrence)
    {
        workflowId = string.Empty;
        occurrence = default;
        if (!TrySplit(runId, out var id, out var suffix))
        {
            return false;
        }

        if (suffix.Length != 16
            || !DateTime.TryParseExact(suffix, OccurrenceFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc))
        {
            return false;
        }

        workflowId = id;
        occurrence = new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
        return true;
    }

    /// <summary>The id of a manual (on-demand) run; the caller supplies at least 4 random bytes, of which the first 4 are used.</summary>
    /// <exception cref="ArgumentException">The workflow id is invalid or fewer than 4 random bytes were given.</exception>
    public static string ForManual(string workflowId, DateTimeOffset now, ReadOnlySpan<byte> random)
    {
        EnsureWorkflowId(workflowId);
        if (random.Length < 4)
        {
            throw new ArgumentException("A manual run id needs at least 4 random bytes.", nameof(random));
        }

        return workflowId + "@m" + now.UtcDateTime.ToString(ManualFormat, CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(random[..4]);
    }

    /// <summary>The workflow id of any run id built here (scheduled or manual).</summary>
    public static bool TryGetWorkflowId(string runId, [NotNullWhen(true)] out string? workflowId)
    {
        if (TrySplit(runId, out var id, out var suffix) && suffix.Length > 0)
        {
            workflowId = id;
            return true;
        }

        workflowId = null;
        return false;
    }

    /// <summary>True when the text can be the workflow part of a run id: non-empty letters, digits, '.', '-' and '_' only.</summary>
    public static bool IsValidWorkflowId(string? workflowId)
    {
        if (string.IsNullOrEmpty(workflowId))
        {
            return false;
        }

        foreach (var c in workflowId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static void EnsureWorkflowId(string workflowId)
    {
        if (!IsValidWorkflowId(workflowId))
        {
            throw new ArgumentException($"'{workflowId}' is not a valid workflow id for a run id (letters, digits, '.', '-', '_').", nameof(workflowId));
        }
    }

    private static bool TrySplit(string? runId, out string workflowId, out string suffix)
    {
        workflowId = string.Empty;
        suffix = string.Empty;
        if (runId is null)
        {
            return false;
        }

        var at = runId.LastIndexOf('@');
        if (at <= 0 || !IsValidWorkflowId(runId[..at]))
        {
            return false;
        }

        workflowId = runId[..at];
        suffix = runId[(at + 1)..];
        return true;
    }
}
