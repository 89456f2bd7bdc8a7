using System.Text.Json.Nodes;

namespace Loom.Core.Definitions;

/// <summary>A validated workflow: a DAG of HTTP tasks with its schedule and policies, defaults already merged into each task.</summary>
public sealed record WorkflowDefinition
{
    /// <summary>Stable identifier of the workflow (letters, digits, '-', '_', '.').</summary>
    public required string Id { get; init; }

    /// <summary>Human-readable name; the id when not given.</summary>
    public string? Name { get; init; }

    /// <summary>Free text shown in listings.</summary>
    public string? Description { get; init; }

    /// <summary>Labels for filtering.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>When the workflow runs by itself; null for on-demand only.</summary>
    public ScheduleSpec? Schedule { get; init; }

    /// <summary>Declared parameters and their default values (null when a parameter has no default).</summary>
    public IReadOnlyDictionary<string, JsonNode?> Params { get; init; } = new Dictionary<string, JsonNode?>();

    /// <summary>The tasks in declaration order, with workflow defaults merged in.</summary>
    public required IReadOnlyList<TaskDefinition> Tasks { get; init; }

    /// <summary>When a task fails for good, cancel everything still pending or running and fail the run.</summary>
    public bool FailFast { get; init; }

    /// <summary>Limit on the whole run's duration; null for none.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Name of a host secret used to sign request bodies (X-Loom-Signature); never the secret itself.</summary>
    public string? SigningSecret { get; init; }
}

/// <summary>A cron schedule and its policies.</summary>
public sealed record ScheduleSpec
{
    /// <summary>5-field (minute precision) or 6-field (leading seconds) cron expression.</summary>
    public required string Cron { get; init; }

    /// <summary>IANA time zone the cron expression is read in.</summary>
    public string Timezone { get; init; } = "UTC";

    /// <summary>What to do with occurrences missed while Loom was down or the workflow paused.</summary>
    public CatchupPolicy Catchup { get; init; } = CatchupPolicy.Latest;

    /// <summary>Upper bound on the occurrences started by one catch-up under <see cref="CatchupPolicy.All"/>.</summary>
    public int MaxCatchup { get; init; } = 10;

    /// <summary>What to do when an occurrence is due while earlier runs are still active.</summary>
    public ConcurrencyPolicy Concurrency { get; init; } = ConcurrencyPolicy.Allow;

    /// <summary>Most runs of this workflow active at once; null for no limit.</summary>
    public int? MaxActiveRuns { get; init; }

    /// <summary>No occurrence before this instant.</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary>No occurrence after this instant.</summary>
    public DateTimeOffset? End { get; init; }
}

/// <summary>How missed occurrences are handled.</summary>
public enum CatchupPolicy
{
    /// <summary>Missed occurrences are dropped; only occurrences due from now on run.</summary>
    None,

    /// <summary>Only the most recent missed occurrence runs.</summary>
    Latest,

    /// <summary>Every missed occurrence runs, up to <see cref="ScheduleSpec.MaxCatchup"/>.</summary>
    All,
}

/// <summary>How a due occurrence interacts with runs still active.</summary>
public enum ConcurrencyPolicy
{
    /// <summary>Start it anyway.</summary>
    Allow,

    /// <summary>Skip it.</summary>
    Forbid,

    /// <summary>Cancel the active runs, then start it.</summary>
    Replace,
}

/// <summary>One HTTP task of a workflow, defaults merged in.</summary>
public sealed record TaskDefinition
{
    /// <summary>Identifier unique within the workflow.</summary>
    public required string Id { get; init; }

    /// <summary>Task type: <c>http</c> (call <see cref="Url"/>) or <c>wait</c> (a durable timer, no call).</summary>
    public string Type { get; init; } = TaskTypes.Http;

    /// <summary>Condition (<c>when:</c>) that must hold when the task becomes ready, or it is skipped; null to always run.</summary>
    public string? When { get; init; }

    /// <summary>How long a wait task waits from when it becomes ready.</summary>
    public TimeSpan? WaitDuration { get; init; }

    /// <summary>Template of the instant a wait task waits until (rendered when it becomes ready).</summary>
    public string? WaitUntil { get; init; }

    /// <summary>HTTP method.</summary>
    public string Method { get; init; } = "POST";

    /// <summary>URL template.</summary>
    public required string Url { get; init; }

    /// <summary>Header templates.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Body template; when null the callback envelope is sent.</summary>
    public JsonNode? Body { get; init; }

    /// <summary>Ids of the tasks this one waits for.</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>Condition on the upstream tasks' outcomes for this task to run.</summary>
    public TriggerRule Trigger { get; init; } = TriggerRule.AllSuccess;

    /// <summary>Retry policy of the task.</summary>
    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;

    /// <summary>Limit on one attempt.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A failure of this task does not fail the run nor, under failFast, cancel it.</summary>
    public bool AllowFailure { get; init; }

    /// <summary>Whether the HTTP response completes the task or a later callback does.</summary>
    public CompletionMode Completion { get; init; } = CompletionMode.Sync;

    /// <summary>How long a callback task waits for its callback.</summary>
    public TimeSpan CallbackTimeout { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>The task types a workflow may declare.</summary>
public static class TaskTypes
{
    /// <summary>Calls the task's URL.</summary>
    public const string Http = "http";

    /// <summary>Waits (a durable timer) for a duration or until an instant, calling nothing.</summary>
    public const string Wait = "wait";
}

/// <summary>Conditions on upstream outcomes, named as in Airflow.</summary>
public enum TriggerRule
{
    /// <summary>Every upstream task succeeded.</summary>
    AllSuccess,

    /// <summary>Every upstream task finished, whatever the outcome.</summary>
    AllDone,

    /// <summary>Every upstream task failed.</summary>
    AllFailed,

    /// <summary>At least one upstream task succeeded (runs as soon as one does).</summary>
    OneSuccess,

    /// <summary>At least one upstream task failed (runs as soon as one does).</summary>
    OneFailed,

    /// <summary>No upstream task failed (succeeded or skipped).</summary>
    NoneFailed,
}

/// <summary>Whether a task completes with its HTTP response or with a later callback.</summary>
public enum CompletionMode
{
    /// <summary>The response completes the task.</summary>
    Sync,

    /// <summary>A 202 or RUNNING response makes the task wait for a POST to its callback URL.</summary>
    Callback,
}

/// <summary>Backoff curves.</summary>
public enum BackoffKind
{
    /// <summary>Always <see cref="RetryPolicy.Delay"/>.</summary>
    Fixed,

    /// <summary>Delay times the attempt number.</summary>
    Linear,

    /// <summary>Delay doubled at each attempt.</summary>
    Exponential,
}

/// <summary>Failure classes that may be retried.</summary>
[Flags]
public enum RetryOn
{
    /// <summary>Nothing is retried.</summary>
    None = 0,

    /// <summary>HTTP 5xx.</summary>
    ServerError = 1,

    /// <summary>HTTP 429.</summary>
    TooManyRequests = 2,

    /// <summary>HTTP 408.</summary>
    RequestTimeout = 4,

    /// <summary>The attempt exceeded its timeout.</summary>
    Timeout = 8,

    /// <summary>Connection refused, reset or DNS failure.</summary>
    Network = 16,

    /// <summary>HTTP 4xx other than 408 and 429 (off unless asked for).</summary>
    ClientError = 32,

    /// <summary>The default set.</summary>
    Default = ServerError | TooManyRequests | RequestTimeout | Timeout | Network,
}

/// <summary>How a task is retried; a value mapped field by field from YAML.</summary>
public sealed record RetryPolicy
{
    /// <summary>The policy used when a workflow says nothing: 3 attempts, exponential from 1 s up to 1 min, 20 % jitter.</summary>
    public static RetryPolicy Default { get; } = new();

    /// <summary>Total attempts including the first (1 means no retry).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Curve of the delay between attempts.</summary>
    public BackoffKind Backoff { get; init; } = BackoffKind.Exponential;

    /// <summary>Base delay.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap on any delay, Retry-After included.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Fraction (0..1) of the delay randomised, deterministically from run, task and attempt.</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>Which failures are retried.</summary>
    public RetryOn RetryOn { get; init; } = RetryOn.Default;
}
