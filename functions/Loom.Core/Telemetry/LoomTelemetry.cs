using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Loom.Core.Telemetry;

/// <summary>
/// Loom's one <see cref="System.Diagnostics.Metrics.Meter"/> and one <see cref="System.Diagnostics.ActivitySource"/>, both named
/// <see cref="Name"/>, and the instruments both hosts record into (through <see cref="RunTelemetry"/>, <see cref="Execution.AttemptTelemetry"/>
/// and the storage pipeline). Labels are kept to a few values each: workflow id yes, run id never.
/// </summary>
/// <remarks>
/// Recording costs next to nothing until a listener (OpenTelemetry's meter and tracer providers) subscribes to <see cref="Name"/>.
/// On the Durable host every instrument is recorded from activities and HTTP functions only, never from orchestrator code, which
/// is replayed.
/// </remarks>
public static class LoomTelemetry
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string Name = "Loom";

    /// <summary>The workflow id label.</summary>
    public const string WorkflowTag = "workflow";

    /// <summary>Loom's meter.</summary>
    public static Meter Meter { get; } = new(Name, typeof(LoomTelemetry).Assembly.GetName().Version?.ToString(3));

    /// <summary>Loom's spans: one per run, per task and per attempt.</summary>
    public static ActivitySource Source { get; } = new(Name, typeof(LoomTelemetry).Assembly.GetName().Version?.ToString(3));

    /// <summary>Runs started, by workflow and trigger (schedule, manual, backfill, retry).</summary>
    internal static readonly Counter<long> RunsStarted = Meter.CreateCounter<long>("loom.runs.started", "{run}", "Runs started, by workflow and trigger.");

    /// <summary>Runs that reached a final status, by workflow and status.</summary>
    internal static readonly Counter<long> RunsFinished = Meter.CreateCounter<long>("loom.runs.finished", "{run}", "Runs that reached a final status, by workflow and status.");

    /// <summary>Start to finish of a run, by workflow and status.</summary>
    internal static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>("loom.run.duration", "s", "From a run's start to its final status, by workflow and status.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400] });

    /// <summary>Runs started and not final yet, as seen by the processes that committed their start and their end.</summary>
    internal static readonly UpDownCounter<long> RunsActive = Meter.CreateUpDownCounter<long>("loom.runs.active", "{run}", "Runs started and not final yet (sum it over instances).");

    /// <summary>From a scheduled occurrence to the start of its run.</summary>
    internal static readonly Histogram<double> ScheduleLag = Meter.CreateHistogram<double>("loom.schedule.lag", "s", "From a scheduled occurrence's time to its run's start, by workflow.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 900, 3600] });

    /// <summary>HTTP attempts of tasks, by workflow, outcome and status class.</summary>
    internal static readonly Counter<long> Attempts = Meter.CreateCounter<long>("loom.attempts", "{attempt}", "Task attempts (HTTP calls), by workflow, outcome and HTTP status class.");

    /// <summary>Duration of an attempt, from sending to the classified answer.</summary>
    internal static readonly Histogram<double> AttemptDuration = Meter.CreateHistogram<double>("loom.attempt.duration", "s", "From sending a task's request to its classified answer, by workflow and outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] });

    /// <summary>Attempts that failed into a retry.</summary>
    internal static readonly Counter<long> Retries = Meter.CreateCounter<long>("loom.task.retries", "{retry}", "Failed attempts followed by a retry, by workflow.");

    /// <summary>Task calls sent and not answered yet.</summary>
    internal static readonly UpDownCounter<long> TasksOutstanding = Meter.CreateUpDownCounter<long>("loom.tasks.outstanding", "{task}", "Task calls sent and not answered yet, by workflow.");

    /// <summary>Requests sent to Azure Table storage, each retry included.</summary>
    internal static readonly Counter<long> StorageRequests = Meter.CreateCounter<long>("loom.storage.requests", "{request}", "Requests sent to Azure Table storage (each retry counts), by method and status class.");

    /// <summary>Latency of a storage request.</summary>
    internal static readonly Histogram<double> StorageRequestDuration = Meter.CreateHistogram<double>("loom.storage.request.duration", "s", "Latency of one request to Azure Table storage, by method and status class.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    /// <summary>Runs whose next change storage refuses at the moment (the server keeps retrying them).</summary>
    internal static readonly UpDownCounter<long> RunsStalled = Meter.CreateUpDownCounter<long>("loom.runs.stalled", "{run}", "Runs whose change cannot be committed at the moment (being retried).");

    /// <summary>Counts one request to storage with its latency; <paramref name="status"/> is null when no response came.</summary>
    /// <param name="method">HTTP method.</param>
    /// <param name="status">HTTP status, or null for a request that got no answer.</param>
    /// <param name="elapsed">Time until the answer (or the failure).</param>
    public static void StorageRequest(string method, int? status, TimeSpan elapsed)
    {
        var tags = new TagList { { "method", method }, { "status_class", StatusClass(status) } };
        StorageRequests.Add(1, tags);
        StorageRequestDuration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>A run's change failed to commit for the first time in a row (<paramref name="stalled"/> true) or committed again (false).</summary>
    /// <param name="stalled">True when the run becomes stalled, false when it recovers (or is forgotten).</param>
    public static void RunStalled(bool stalled) => RunsStalled.Add(stalled ? 1 : -1);

    /// <summary>The status class label: 2xx, 3xx, 4xx, 5xx, or none when no response came.</summary>
    /// <param name="status">HTTP status code.</param>
    public static string StatusClass(int? status) => status switch
    {
        >= 100 and < 200 => "1xx",
        >= 200 and < 300 => "2xx",
        >= 300 and < 400 => "3xx",
        >= 400 and < 500 => "4xx",
        >= 500 and < 600 => "5xx",
        _ => "none",
    };
}
