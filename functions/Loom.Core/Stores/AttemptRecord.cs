namespace Loom.Core.Stores;

/// <summary>One HTTP attempt of a task, as kept in the attempts history.</summary>
public sealed record AttemptRecord
{
    /// <summary>Run id.</summary>
    public required string RunId { get; init; }

    /// <summary>Task id.</summary>
    public required string TaskId { get; init; }

    /// <summary>1-based attempt number.</summary>
    public required int Attempt { get; init; }

    /// <summary>When the request was sent.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>How long until the response (or the failure).</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>succeeded, failed, retryable, accepted (waiting for callback), timeout, refused...</summary>
    public required string Outcome { get; init; }

    /// <summary>HTTP status code, when a response came.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Method and URL sent (secrets masked).</summary>
    public string RequestSummary { get; init; } = "";

    /// <summary>Why it failed, when it did.</summary>
    public string? Error { get; init; }

    /// <summary>Response output (JSON text) or a capped body.</summary>
    public string? Output { get; init; }

    /// <summary>True when <see cref="Output"/> was cut to the size cap.</summary>
    public bool OutputTruncated { get; init; }
}
