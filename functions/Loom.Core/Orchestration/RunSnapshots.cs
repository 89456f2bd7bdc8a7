using Loom.Core.Engine;
using Loom.Core.Statistics;
using Loom.Core.Stores;
using Loom.Core.Telemetry;

namespace Loom.Core.Orchestration;

/// <summary>What the <c>SaveRun</c> activity does: store the snapshot with its log rows, unless a newer snapshot is already stored.</summary>
public static class RunSnapshots
{
    /// <summary>Attempts against concurrent writers (a re-delivered save, an API write) before giving up.</summary>
    public const int MaxAttempts = 5;

    /// <summary>
    /// The record to write for <paramref name="state"/> over what is stored, or null when the stored snapshot is as new or newer
    /// (Durable may deliver a save twice, and only one save runs at a time, so an older snapshot never needs to win).
    /// </summary>
    /// <param name="stored">The stored record, or null when the run has none yet.</param>
    /// <param name="state">The snapshot to store.</param>
    /// <param name="trigger">What started the run, used only when the record is new.</param>
    public static RunRecord? Merge(RunRecord? stored, RunState state, string trigger = "manual")
    {
        if (stored is not null && RunStateJson.TryDeserialize(stored.State, out var current, out _) && current.EventCount >= state.EventCount)
        {
            return null;
        }

        return new RunRecord
        {
            RunId = state.RunId,
            WorkflowId = state.WorkflowId,
            WorkflowVersion = state.WorkflowVersion,
            Status = RunStatuses.Name(state.Status),
            CreatedAt = stored?.CreatedAt ?? state.CreatedAt,
            ScheduledAt = state.ScheduledAt,
            FinishedAt = state.FinishedAt,
            Trigger = stored?.Trigger ?? trigger,
            State = RunStateJson.Serialize(state),
            Outbox = "",
            ETag = stored?.ETag,
        };
    }

    /// <summary>
    /// <see cref="SaveAsync(IRunStore, IEventStore, IAttemptStore, SaveRunInput, CancellationToken)"/>, then the dead letters its rows make
    /// (<see cref="DeadLetters.From"/>). A save Durable delivers again (after a crash in between) writes them again, which stores
    /// each once: their ids come from the rows.
    /// </summary>
    /// <param name="runs">The run store.</param>
    /// <param name="events">The event store.</param>
    /// <param name="attempts">The attempt store.</param>
    /// <param name="deadLetters">The dead-letter store.</param>
    /// <param name="input">The activity input.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public static async Task<SaveRunResult> SaveAsync(IRunStore runs, IEventStore events, IAttemptStore attempts, IDeadLetterStore deadLetters, SaveRunInput input, CancellationToken cancellationToken = default) =>
        await SaveAsync(runs, events, attempts, deadLetters, null, input, cancellationToken);

    /// <summary>
    /// <see cref="SaveAsync(IRunStore, IEventStore, IAttemptStore, IDeadLetterStore, SaveRunInput, CancellationToken)"/>, counting a
    /// final snapshot in its workflow's statistics first. Before the row: a run is never final in storage without its count
    /// (Durable delivers a failed or interrupted save again, and it reports the run again); the statistics count a run once,
    /// and the snapshot of a replayed orchestration is the same, so the count is the same whichever delivery lands it.
    /// </summary>
    /// <param name="runs">The run store.</param>
    /// <param name="events">The event store.</param>
    /// <param name="attempts">The attempt store.</param>
    /// <param name="deadLetters">The dead-letter store.</param>
    /// <param name="stats">The process's statistics recorder; null to count nothing.</param>
    /// <param name="input">The activity input.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public static async Task<SaveRunResult> SaveAsync(IRunStore runs, IEventStore events, IAttemptStore attempts, IDeadLetterStore deadLetters, RunStatsRecorder? stats,
        SaveRunInput input, CancellationToken cancellationToken = default)
    {
        if (input.BasedOn is not { } basedOn)
        {
            if (stats is not null) await stats.RecordAsync(input.State, cancellationToken);
            var saved = await SaveAsync(runs, events, attempts, input, cancellationToken);
            if (DeadLetters.From(input.State, input.Events) is { Count: > 0 } letters) await deadLetters.AddAsync(letters, cancellationToken);
            return saved;
        }

        // The save may yield to a final state an attempt stored first, so the run is counted after the write, as what storage
        // holds: a save delivered again after a crash in between finds its own state stored and counts it then.
        var result = await SaveAsync(runs, events, attempts, input, cancellationToken);
        if (result.Overtaken is { } won)
        {
            if (stats is not null) await stats.RecordAsync(won, cancellationToken);
            await AddDeadLettersAsync(events, deadLetters, won, basedOn, cancellationToken);
            return result;
        }

        await CountAsync(deadLetters, stats, input, cancellationToken);
        return result;
    }

    /// <summary>
    /// Stores the final state an attempt's outcome led to (<see cref="RunFinisher"/>) only over the row its
    /// <see cref="SaveRunInput.Stored"/> ETag names, with its event and attempt rows, then counts it and adds its dead letters.
    /// </summary>
    /// <param name="runs">The run store.</param>
    /// <param name="deadLetters">The dead-letter store.</param>
    /// <param name="stats">The process's statistics recorder; null to count nothing.</param>
    /// <param name="input">The save, with the ETag of the row it may replace.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The row as written; null when it changed since (the orchestration wrote first, and its state stands).</returns>
    public static async Task<StoredRun?> SaveIfUnchangedAsync(IRunStore runs, IDeadLetterStore deadLetters, RunStatsRecorder? stats, SaveRunInput input,
        CancellationToken cancellationToken = default)
    {
        var known = input.Stored ?? throw new ArgumentException("A conditional save needs the ETag of the row it replaces.", nameof(input));
        if (await TryReplaceAsync(runs, input, known, cancellationToken) is not { } written) return null;

        // After the row: a write that lost must count nothing. If the process dies in between, the orchestration's own save
        // finds this state stored and counts it (SaveRunResult.Overtaken).
        await CountAsync(deadLetters, stats, input, cancellationToken);
        return written;
    }

    /// <summary>Replaces the row <paramref name="known"/> names with the save's snapshot and rows, without reading it; null when the row changed since.</summary>
    private static async Task<StoredRun?> TryReplaceAsync(IRunStore runs, SaveRunInput input, StoredRun known, CancellationToken cancellationToken)
    {
        var record = Merge(null, input.State, known.Trigger)! with { ETag = known.ETag };
        try
        {
            var written = await runs.UpdateAsync(record, new RunHistory(input.Events, input.Attempts ?? []), cancellationToken);
            RunTelemetry.Committed(input.State, input.Events, known.Trigger);
            return new StoredRun(written.ETag!, known.Trigger);
        }
        catch (StoreConcurrencyException)
        {
            return null;
        }
    }

    /// <summary>Counts the save's state in its workflow's statistics (when final) and adds the dead letters its rows make.</summary>
    private static async Task CountAsync(IDeadLetterStore deadLetters, RunStatsRecorder? stats, SaveRunInput input, CancellationToken cancellationToken)
    {
        if (stats is not null) await stats.RecordAsync(input.State, cancellationToken);
        if (DeadLetters.From(input.State, input.Events) is { Count: > 0 } letters) await deadLetters.AddAsync(letters, cancellationToken);
    }

    /// <summary>
    /// The final state stored past <see cref="SaveRunInput.BasedOn"/> that is not the save's own (an attempt stored the run's
    /// end first), which the save must yield to; null when there is none or the save set no <see cref="SaveRunInput.BasedOn"/>.
    /// </summary>
    /// <param name="stored">The stored record.</param>
    /// <param name="input">The save.</param>
    public static RunState? OvertakenBy(RunRecord? stored, SaveRunInput input)
    {
        if (input.BasedOn is not { } basedOn || stored is null || !RunStateJson.TryDeserialize(stored.State, out var current, out _)) return null;
        if (!RunStatuses.IsFinal(current.Status) || current.EventCount <= basedOn) return null;
        return stored.State == RunStateJson.Serialize(input.State) ? null : current;
    }

    /// <summary>The dead letters of a final state another writer stored, from its event rows after <paramref name="basedOn"/>.</summary>
    private static async Task AddDeadLettersAsync(IEventStore events, IDeadLetterStore deadLetters, RunState won, long basedOn, CancellationToken cancellationToken)
    {
        const int Page = 1000;
        var after = (basedOn * RunEventLog.EntriesPerEvent) - 1;
        while (true)
        {
            var rows = await events.ListAfterAsync(won.RunId, after, Page, cancellationToken);
            if (DeadLetters.From(won, rows) is { Count: > 0 } letters) await deadLetters.AddAsync(letters, cancellationToken);
            if (rows.Count < Page) return;
            after = rows[^1].Sequence;
        }
    }

    /// <summary>
    /// Writes the snapshot with optimistic concurrency together with <see cref="SaveRunInput.Events"/> and
    /// <see cref="SaveRunInput.Attempts"/> (one transaction where the store can); when a newer snapshot is already stored, only
    /// appends the events (idempotent by event id) and puts the attempt rows (idempotent by run, task and attempt).
    /// </summary>
    /// <param name="runs">The run store.</param>
    /// <param name="events">The event store.</param>
    /// <param name="attempts">The attempt store.</param>
    /// <param name="input">The activity input.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Whether the snapshot was written (false when a newer one was already stored), and the row as it is now.</returns>
    public static async Task<SaveRunResult> SaveAsync(IRunStore runs, IEventStore events, IAttemptStore attempts, SaveRunInput input, CancellationToken cancellationToken = default)
    {
        var history = new RunHistory(input.Events, input.Attempts ?? []);
        // The orchestration is the row's only writer while it runs and knows the ETag of its last write: replace the row without
        // reading it. Anyone else's write in between (or this save delivered twice) fails the ETag, and then the read below decides.
        if (input.Stored is { } known && await TryReplaceAsync(runs, input, known, cancellationToken) is { } replaced) return new SaveRunResult(true, replaced);

        for (var attempt = 1; ; attempt++)
        {
            var stored = await runs.GetAsync(input.State.RunId, cancellationToken);
            if (OvertakenBy(stored, input) is { } won)
            {
                // An attempt stored the run's end first: it stands, and this save's rows (another course of the run) are not added.
                return new SaveRunResult(false, new StoredRun(stored!.ETag!, stored.Trigger), won);
            }

            var next = Merge(stored, input.State);
            if (next is null)
            {
                // A save delivered again after a newer one: its events and attempt rows belong in the history all the same.
                if (input.Events.Count > 0) await events.AppendAsync(input.Events, cancellationToken);
                foreach (var row in history.Attempts) await attempts.PutAsync(row, cancellationToken);
                return new SaveRunResult(false, stored is { ETag: { } etag } ? new StoredRun(etag, stored.Trigger) : null);
            }
            try
            {
                var written = stored is null ? await runs.CreateAsync(next, history, cancellationToken) : await runs.UpdateAsync(next, history, cancellationToken);
                // Counted by the save that stored the change; a save delivered again finds it stored and counts nothing.
                RunTelemetry.Committed(input.State, input.Events, next.Trigger);
                return new SaveRunResult(true, written.ETag is { } etag ? new StoredRun(etag, next.Trigger) : null);
            }
            catch (Exception ex) when (ex is StoreConcurrencyException or StoreConflictException && attempt < MaxAttempts)
            {
                // Someone wrote in between: read again and decide again.
            }
        }
    }
}
