using System.Text.Json.Nodes;

namespace Loom.Core.Definitions;

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

    /// <summary>The circuit breaker on this task's target origin; null for none.</summary>
    public CircuitBreakerPolicy? CircuitBreaker { get; init; }

    /// <summary>How long the task may go on from its first attempt before it counts as late (<c>sla:</c>); null for none.</summary>
    public TimeSpan? Sla { get; init; }

    /// <summary>
    /// The <c>forEach</c> template (one <c>${{ tasks.X.output.PATH }}</c> or <c>${{ params.NAME }}</c> expression) whose list,
    /// resolved when the task becomes ready, gives one instance per item; null for a task that runs once.
    /// </summary>
    public string? ForEach { get; init; }

    /// <summary>Most instances of a <c>forEach</c> task running (or waiting to retry) at once.</summary>
    public int MaxParallel { get; init; } = ForEachInstances.DefaultMaxParallel;
}
