using System.Text.Json;
using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Orchestration;

/// <summary>
/// Result of the <c>InvokeTask</c> activity: the attempt's outcome and its attempts-history row, which the orchestration stores
/// with its next save (the row is in the orchestration's history from then on, so a crash before that save loses nothing).
/// </summary>
/// <param name="Outcome">How the attempt ended.</param>
/// <param name="Record">The attempt's row; null for an attempt abandoned because its run ended.</param>
/// <param name="Finished">Set when the activity stored the run's final state itself (the attempt carried a <see cref="Execution.FinishOffer"/> and its outcome ended the run).</param>
public sealed record InvokeTaskResult(AttemptOutcome Outcome, AttemptRecord? Record, RunFinished? Finished = null)
{
    /// <summary>
    /// Reads an activity result: this record, or the bare <see cref="AttemptOutcome"/> an orchestration's history holds from
    /// before attempt rows were returned (that activity stored its row itself).
    /// </summary>
    /// <param name="payload">The result as the host delivered it.</param>
    public static InvokeTaskResult Read(JsonElement payload) =>
        payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("outcome", out _)
            ? RunOrchestrationJson.FromPayload<InvokeTaskResult>(payload)
            : new InvokeTaskResult(RunOrchestrationJson.FromPayload<AttemptOutcome>(payload), null);
}
