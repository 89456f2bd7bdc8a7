using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Engine;

namespace Loom.Core.Statistics;

/// <summary>
/// The statistics of one workflow's runs that ended in one UTC hour: counts by final status, retries, a histogram of run
/// durations and one per task. Buckets merge by adding, so any time range is the merge of its hours; a stored bucket also
/// remembers the last <see cref="MaxRecent"/> runs it counted, so a run reported twice (a save delivered again, a commit
/// retried) is counted once.
/// </summary>
public sealed class RunStatsBucket
{
    /// <summary>How many counted runs a bucket remembers to refuse a second report of the same run.</summary>
    public const int MaxRecent = 256;

    /// <summary>Most tasks a bucket keeps figures for; the tasks of a run beyond it are counted in the run's figures only.</summary>
    public const int MaxTasks = 200;

    private readonly Dictionary<string, TaskStatsEntry> _tasks = new(StringComparer.Ordinal);
    private readonly List<string> _recent = [];
    private readonly HashSet<string> _recentSet = new(StringComparer.Ordinal);

    /// <summary>A bucket with nothing counted.</summary>
    /// <param name="workflowId">The workflow.</param>
    /// <param name="hour">The start of the hour (any instant inside it is rounded down).</param>
    public RunStatsBucket(string workflowId, DateTimeOffset hour)
    {
        WorkflowId = workflowId;
        Hour = HourOf(hour);
    }

    /// <summary>The workflow.</summary>
    public string WorkflowId { get; }

    /// <summary>The start of the UTC hour the bucket's runs ended in.</summary>
    public DateTimeOffset Hour { get; }

    /// <summary>Runs that succeeded.</summary>
    public long Succeeded { get; private set; }

    /// <summary>Runs that failed.</summary>
    public long Failed { get; private set; }

    /// <summary>Runs that were cancelled.</summary>
    public long Cancelled { get; private set; }

    /// <summary>Runs counted.</summary>
    public long Runs => Succeeded + Failed + Cancelled;

    /// <summary>Runs with at least one retry.</summary>
    public long RetriedRuns { get; private set; }

    /// <summary>Retries summed over the runs.</summary>
    public long Retries { get; private set; }

    /// <summary>Run durations.</summary>
    public DurationHistogram Durations { get; private set; } = new();

    /// <summary>Per-task figures, by task id.</summary>
    public IReadOnlyDictionary<string, TaskStatsEntry> Tasks => _tasks;

    /// <summary>The start of the UTC hour of an instant.</summary>
    /// <param name="at">An instant.</param>
    public static DateTimeOffset HourOf(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    /// <summary>Counts a run unless this bucket counted it already (among its last <see cref="MaxRecent"/>).</summary>
    /// <param name="sample">A run that ended in this bucket's hour.</param>
    /// <returns>True when counted; false for a run counted before.</returns>
    public bool TryAdd(RunSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var key = Fingerprint(sample.DedupeKey);
        if (_recentSet.Contains(key)) return false;
        Remember(key);
        switch (sample.Status)
        {
            case RunStatus.Succeeded: Succeeded++; break;
            case RunStatus.Failed: Failed++; break;
            default: Cancelled++; break;
        }
        Retries += sample.Retries;
        if (sample.Retries > 0) RetriedRuns++;
        Durations.Add(sample.DurationMs);
        foreach (var task in sample.Tasks)
        {
            if (!_tasks.TryGetValue(task.TaskId, out var entry))
            {
                if (_tasks.Count >= MaxTasks) continue;
                _tasks[task.TaskId] = entry = new TaskStatsEntry();
            }
            entry.Count++;
            if (task.Failed) entry.Failed++;
            entry.Retries += task.Retries;
            entry.Durations.Add(task.DurationMs);
        }
        return true;
    }

    /// <summary>Adds another bucket's counts (of any hour) into this one, for a time range; what it remembers is not merged.</summary>
    /// <param name="other">Another bucket.</param>
    public void Merge(RunStatsBucket other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Succeeded += other.Succeeded;
        Failed += other.Failed;
        Cancelled += other.Cancelled;
        RetriedRuns += other.RetriedRuns;
        Retries += other.Retries;
        Durations.Merge(other.Durations);
        foreach (var (id, entry) in other._tasks)
        {
            if (!_tasks.TryGetValue(id, out var mine)) _tasks[id] = mine = new TaskStatsEntry();
            mine.Merge(entry);
        }
    }

    /// <summary>The stored form: compact JSON.</summary>
    public string ToJson()
    {
        var tasks = new JsonObject();
        foreach (var (id, t) in _tasks.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            tasks[id] = new JsonObject { ["n"] = t.Count, ["f"] = t.Failed, ["r"] = t.Retries, ["d"] = t.Durations.ToString() };
        }
        return new JsonObject
        {
            ["v"] = 1,
            ["s"] = Succeeded,
            ["f"] = Failed,
            ["c"] = Cancelled,
            ["rr"] = RetriedRuns,
            ["r"] = Retries,
            ["d"] = Durations.ToString(),
            ["t"] = tasks,
            ["k"] = string.Join(' ', _recent),
        }.ToJsonString();
    }

    /// <summary>Reads the stored form; an unreadable text reads as an empty bucket rather than failing the statistics.</summary>
    /// <param name="workflowId">The workflow.</param>
    /// <param name="hour">The bucket's hour.</param>
    /// <param name="json">What <see cref="ToJson"/> wrote.</param>
    public static RunStatsBucket FromJson(string workflowId, DateTimeOffset hour, string? json)
    {
        var bucket = new RunStatsBucket(workflowId, hour);
        if (string.IsNullOrEmpty(json)) return bucket;
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return bucket;
        }
        if (root is null) return bucket;
        bucket.Succeeded = Long(root, "s");
        bucket.Failed = Long(root, "f");
        bucket.Cancelled = Long(root, "c");
        bucket.RetriedRuns = Long(root, "rr");
        bucket.Retries = Long(root, "r");
        bucket.Durations = DurationHistogram.Parse(Text(root, "d"));
        if (root["t"] is JsonObject tasks)
        {
            foreach (var (id, node) in tasks)
            {
                if (node is not JsonObject t || bucket._tasks.Count >= MaxTasks) continue;
                bucket._tasks[id] = new TaskStatsEntry { Count = Long(t, "n"), Failed = Long(t, "f"), Retries = Long(t, "r"), Durations = DurationHistogram.Parse(Text(t, "d")) };
            }
        }
        foreach (var key in (Text(root, "k") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)) bucket.Remember(key);
        return bucket;
    }

    /// <summary>A copy to change without touching this one.</summary>
    public RunStatsBucket Clone() => FromJson(WorkflowId, Hour, ToJson());

    private void Remember(string key)
    {
        if (!_recentSet.Add(key)) return;
        _recent.Add(key);
        if (_recent.Count > MaxRecent)
        {
            _recentSet.Remove(_recent[0]);
            _recent.RemoveAt(0);
        }
    }

    /// <summary>72 bits of the key's SHA-256 (12 characters): run ids can be long, and a collision among 256 is out of reach.</summary>
    private static string Fingerprint(string key) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 9)).Replace('+', '-').Replace('/', '_');

    private static long Long(JsonObject node, string name) =>
        node[name] is JsonValue v && v.TryGetValue<long>(out var n) && n >= 0 ? n : 0;

    private static string? Text(JsonObject node, string name) =>
        node[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
