using System.Text.Json;
using Loom.Core.Orchestration;
using Loom.Core.Statistics;
using Loom.Core.Stores;
using Microsoft.Azure.Functions.Worker;

namespace Loom.Functions.Activities;

/// <summary>The <c>SaveRun</c> activity: writes the run's snapshot, event-log rows and attempt rows to Loom's tables (and the dead letters they make, and a final run's count in the statistics), so the API reads runs as on the server.</summary>
public sealed class SaveRunActivity(IRunStore runs, IEventStore events, IAttemptStore attempts, IDeadLetterStore deadLetters, RunStatsRecorder stats)
{
    /// <summary>Stores the snapshot with its rows in one write, unless a newer one is stored; see <see cref="RunSnapshots.SaveAsync(Loom.Core.Stores.IRunStore, Loom.Core.Stores.IEventStore, Loom.Core.Stores.IAttemptStore, Loom.Core.Stores.IDeadLetterStore, RunStatsRecorder, SaveRunInput, CancellationToken)"/>.</summary>
    /// <param name="payload">The <see cref="SaveRunInput"/> (in <see cref="RunOrchestrationJson"/>'s contract): snapshot, event rows and attempt rows.</param>
    /// <param name="cancellationToken">Cancelled when the host shuts down.</param>
    [Function(DurableRunOrchestrator.SaveRunActivity)]
    public async Task<RunPayload<SaveRunResult>> RunAsync([ActivityTrigger] RunPayload<SaveRunInput> payload, CancellationToken cancellationToken) =>
        new(await RunSnapshots.SaveAsync(runs, events, attempts, deadLetters, stats, payload.Value, cancellationToken));
}
