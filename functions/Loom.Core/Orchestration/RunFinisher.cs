using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Statistics;
using Loom.Core.Stores;

namespace Loom.Core.Orchestration;

/// <summary>
/// What the <c>InvokeTask</c> activity does with a <see cref="FinishOffer"/>: when the attempt's outcome ends the run, it stores
/// the final state over the row the orchestration last wrote, so the orchestration completes without a <c>SaveRun</c> hop.
/// </summary>
/// <remarks>
/// The state is the one the orchestration reaches: the same machine applies the same outcome to the same state at the time the
/// activity reports (<see cref="RunFinished.At"/>). The write is conditional on the row's ETag, and every save the orchestration
/// makes while such an attempt may have written carries <see cref="SaveRunInput.BasedOn"/>: whichever writes first ends the
/// run, the other yields, so a final state in storage is never replaced by another.
/// </remarks>
public static class RunFinisher
{
    /// <summary>
    /// The save that ends the run with this outcome, or null when the outcome does not end it, when the attempt carries no offer,
    /// or when it came at or after the offer's <see cref="FinishOffer.NotAfter"/> (a timer the orchestration must apply first).
    /// </summary>
    /// <param name="workflow">The run's workflow version.</param>
    /// <param name="input">The attempt.</param>
    /// <param name="outcome">Its outcome.</param>
    /// <param name="record">Its attempt row.</param>
    /// <param name="at">When the outcome is applied.</param>
    public static SaveRunInput? SaveFor(WorkflowDefinition workflow, InvokeTaskInput input, AttemptOutcome outcome, AttemptRecord record, DateTimeOffset at)
    {
        if (!Offered(input, at, out var offer)) return null;
        var transition = RunStateMachine.Apply(workflow, offer.State, new AttemptCompleted(input.TaskId, input.Attempt, outcome, at));
        if (transition.Ignored || !RunStatuses.IsFinal(transition.State.Status)) return null;
        return new SaveRunInput(
            transition.State,
            [.. offer.Events, .. RunEventLog.ToRecords(offer.State.RunId, offer.State.EventCount, transition.Log)],
            [.. offer.Attempts, record],
            new StoredRun(offer.ETag, offer.Trigger));
    }

    /// <summary>Stores the final state when the outcome ends the run (see <see cref="SaveFor"/>); null when it stored nothing.</summary>
    /// <param name="workflows">The workflow catalog (the run's version, parsed once per process).</param>
    /// <param name="runs">The run store.</param>
    /// <param name="deadLetters">The dead-letter store.</param>
    /// <param name="stats">The process's statistics recorder; null to count nothing.</param>
    /// <param name="input">The attempt.</param>
    /// <param name="outcome">Its outcome.</param>
    /// <param name="record">Its attempt row; null for an abandoned attempt (which stores nothing).</param>
    /// <param name="at">When the outcome is applied.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public static async Task<RunFinished?> FinishAsync(WorkflowCatalog workflows, IRunStore runs, IDeadLetterStore deadLetters, RunStatsRecorder? stats,
        InvokeTaskInput input, AttemptOutcome outcome, AttemptRecord? record, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        if (record is null || !Offered(input, at, out _)) return null;
        var workflow = await workflows.GetAsync(input.WorkflowId, input.WorkflowVersion, cancellationToken);
        if (workflow is null || SaveFor(workflow, input, outcome, record, at) is not { } save) return null;
        var stored = await RunSnapshots.SaveIfUnchangedAsync(runs, deadLetters, stats, save, cancellationToken);
        return stored is null ? null : new RunFinished(stored, at, save.State.EventCount, save.State.Status);
    }

    /// <summary>Whether the attempt carries an offer that an outcome at <paramref name="at"/> may take.</summary>
    private static bool Offered(InvokeTaskInput input, DateTimeOffset at, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FinishOffer? offer)
    {
        offer = input.Finish;
        return offer is not null && !(offer.NotAfter is { } notAfter && at >= notAfter);
    }
}
