using System.Text.Json;
using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Orchestration;

/// <summary>Result of the <c>SaveRun</c> activity.</summary>
/// <param name="Written">True when the snapshot was written, false when a newer one was already stored.</param>
/// <param name="Stored">The row as it is now, for the next save; null when unknown.</param>
/// <param name="Overtaken">
/// The final state an attempt's activity stored first (see <see cref="SaveRunInput.BasedOn"/>): the run ended with it, and the
/// orchestration takes it as its own; null otherwise.
/// </param>
public sealed record SaveRunResult(bool Written, StoredRun? Stored, RunState? Overtaken = null)
{
    /// <summary>Reads an activity result: this record, or the bare <see cref="bool"/> an orchestration's history holds from before saves returned the row's ETag.</summary>
    /// <param name="payload">The result as the host delivered it.</param>
    public static SaveRunResult Read(JsonElement payload) =>
        payload.ValueKind == JsonValueKind.Object
            ? RunOrchestrationJson.FromPayload<SaveRunResult>(payload)
            : new SaveRunResult(payload.ValueKind == JsonValueKind.True, null);
}
