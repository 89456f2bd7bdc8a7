using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Execution;

/// <summary>Maps an attempt's outcome to the row kept in the attempts history, the same way on every host.</summary>
public static class AttemptRecords
{
    /// <summary>The attempts-history row for one finished attempt.</summary>
    /// <param name="input">The attempt.</param>
    /// <param name="startedAt">When the request was sent (or building it began).</param>
    /// <param name="requestSummary">Method and masked URL.</param>
    /// <param name="outcome">How it ended.</param>
    public static AttemptRecord From(InvokeTaskInput input, DateTimeOffset startedAt, string requestSummary, AttemptOutcome outcome) => new()
    {
        RunId = input.RunId,
        TaskId = input.TaskId,
        Attempt = input.Attempt,
        StartedAt = startedAt,
        Duration = outcome.Duration,
        Outcome = OutcomeName(outcome),
        StatusCode = outcome.StatusCode,
        RequestSummary = requestSummary,
        Error = outcome.Kind is OutcomeKind.Failed or OutcomeKind.Held ? outcome.Message : null,
        Output = outcome.Output?.ToJsonString(),
        OutputTruncated = outcome.OutputTruncated,
    };

    /// <summary>The outcome's name in the attempts history: succeeded, accepted, held, timeout, refused, network, invalid or failed.</summary>
    /// <param name="outcome">The outcome.</param>
    public static string OutcomeName(AttemptOutcome outcome) => outcome.Kind switch
    {
        OutcomeKind.Succeeded => "succeeded",
        OutcomeKind.Accepted => "accepted",
        OutcomeKind.Held => "held",
        _ => outcome.Failure switch
        {
            FailureClass.Timeout => "timeout",
            FailureClass.Refused => "refused",
            FailureClass.Network => "network",
            FailureClass.Invalid => "invalid",
            _ => "failed",
        },
    };
}
