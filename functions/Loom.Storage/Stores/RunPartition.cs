using System.Globalization;
using Azure.Data.Tables;

namespace Loom.Storage.Stores;

/// <summary>
/// Keys of one run's partition in the runs table: the run row, its event rows and its attempt rows. Every row key starts with
/// the run's own key, so no row key repeats across runs.
/// </summary>
/// <remarks>
/// Table storage does not care, but Azurite (what Loom runs on locally, in tests and in the benchmark) finds an entity by its
/// row key first and then scans the rows sharing it for the partition key: with a row key like <c>run</c> in every partition,
/// each point operation cost grew with the number of runs stored (5 ms per write at 20,000 runs, against 0.5 ms).
/// </remarks>
internal static class RunPartition
{
    /// <summary>Longest run key inside a row key, leaving room for the longest task key and an attempt number within 512 characters.</summary>
    private const int RunKeyLength = 160;

    /// <summary>Longest task key inside an attempt row key.</summary>
    private const int TaskKeyLength = 320;

    /// <summary>The partition key of a run.</summary>
    public static string Key(string runId) => TableKey.Encode(runId);

    /// <summary>The row key of the run row itself.</summary>
    public static string RunRow(string runId) => Prefix(runId) + "run";

    /// <summary>The row key of one event-log row.</summary>
    public static string EventRow(string runId, long sequence) => EventPrefix(runId) + sequence.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The row key prefix shared by a run's event-log rows.</summary>
    public static string EventPrefix(string runId) => Prefix(runId) + "e" + TableKey.Separator;

    /// <summary>The row key of one attempt row; a task's attempts sort in attempt order.</summary>
    public static string AttemptRow(string runId, string taskId, int attempt) =>
        AttemptPrefix(runId, taskId) + attempt.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>The row key prefix of a task's attempt rows, or of all attempt rows when <paramref name="taskId"/> is null.</summary>
    public static string AttemptPrefix(string runId, string? taskId) =>
        Prefix(runId) + "a" + TableKey.Separator + (taskId is null ? "" : TableKey.Encode(taskId, TaskKeyLength) + TableKey.Separator);

    /// <summary>A filter for the rows of <paramref name="runId"/>'s partition whose row key starts with <paramref name="prefix"/> (ending in the separator).</summary>
    public static string RangeFilter(string runId, string prefix) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {Key(runId)} and RowKey ge {prefix} and RowKey lt {prefix[..^1] + "}"}");

    private static string Prefix(string runId) => TableKey.Encode(runId, RunKeyLength) + TableKey.Separator;
}
