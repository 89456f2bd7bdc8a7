using System.Text.Json;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
using Loom.Core.Stores;

namespace Loom.Core.Tests.Orchestration;

/// <summary>
/// Plays the Durable backend and the activities for <see cref="DurableRunOrchestrator"/> on a <see cref="ReplayOrchestrationContext"/>,
/// and, in lockstep, drives the state machine directly with the same events at the same times, so a test can check that
/// the activities the orchestration scheduled are exactly the attempts the machine commanded.
/// </summary>
internal sealed class DurableRunHarness
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 22, 3, 0, 0, TimeSpan.Zero);

    private readonly WorkflowDefinition _workflow;
    private readonly List<StartTimer> _referenceTimers = [];
    private RunState _reference;

    /// <param name="workflow">The workflow.</param>
    /// <param name="continueAsNewAfter">Events per generation.</param>
    /// <param name="runId">Run id.</param>
    /// <param name="initialState">The pending state (a new one when null).</param>
    /// <param name="startedByDriver">Start as the Function App's driver does (<see cref="DurableRunStart"/>: the run created
    /// started, its first work carried in); false: the orchestration gets the pending state and starts the run itself.</param>
    public DurableRunHarness(WorkflowDefinition workflow, int continueAsNewAfter = DurableRunOrchestrator.DefaultContinueAsNewAfter, string runId = "run-1",
        RunState? initialState = null, bool startedByDriver = false)
    {
        _workflow = workflow;
        var initial = initialState ?? RunStateMachine.Create(workflow, 1, runId, null, T0, T0);
        _reference = initial;
        Context = new ReplayOrchestrationContext(T0);
        ApplyReference(new RunStarted(T0));
        Start = startedByDriver ? DurableRunStart.Of(workflow, initial, "manual", T0) : null;
        Context.Start<RunOrchestrationInput, RunOrchestrationResult>(
            DurableRunOrchestrator.RunAsync,
            Start is { } start
                ? new RunOrchestrationInput(workflow, start.State, start.Carried, ContinueAsNewAfter: continueAsNewAfter, Stored: CreateRow(start.State))
                : new RunOrchestrationInput(workflow, initial, ContinueAsNewAfter: continueAsNewAfter));
    }

    /// <summary>The driver's start, when the run was started as the driver does.</summary>
    public DurableRunStart? Start { get; }

    public ReplayOrchestrationContext Context { get; }

    /// <summary>How the backend answers an attempt; success by default.</summary>
    public Func<InvokeTaskInput, AttemptOutcome> Respond { get; set; } = _ => AttemptOutcome.Success();

    /// <summary>Time each activity takes.</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Every SaveRun input, in order.</summary>
    public List<SaveRunInput> Saves { get; } = [];

    /// <summary>Attempts the machine commanded, in order ("task#attempt").</summary>
    public List<string> CommandedAttempts { get; } = [];

    /// <summary>Attempts the machine aborted, in order ("task#attempt").</summary>
    public List<string> AbortedAttempts { get; } = [];

    /// <summary>Attempts the orchestration sent as InvokeTask activities, in order ("task#attempt").</summary>
    public List<string> SentAttempts =>
        [.. Context.ActivityCalls.Where(c => c.Name == DurableRunOrchestrator.InvokeTaskActivity)
            .Select(c => JsonSerializer.Deserialize<InvokeTaskInput>(c.InputJson, ReplayOrchestrationContext.Json)!)
            .Select(i => $"{i.TaskId}#{i.Attempt}")];

    /// <summary>The state the machine reached when driven directly.</summary>
    public RunState Reference => _reference;

    public RunOrchestrationResult Result => Context.Output<RunOrchestrationResult>();

    /// <summary>The last snapshot the orchestration saved.</summary>
    public RunState LastSaved => Saves[^1].State;

    /// <summary>The orchestration's custom status.</summary>
    public RunLiveStatus? Live => Context.CustomStatus<RunLiveStatus>();

    /// <summary>The run as the API shows it: the last saved snapshot with the live status merged over it.</summary>
    public RunState Seen => RunLiveStatus.Merge(LastSaved, Live);

    /// <summary>Every attempt row the saves stored, in order ("task#attempt").</summary>
    public List<string> SavedAttempts => [.. Saves.SelectMany(s => s.Attempts ?? []).Select(a => $"{a.TaskId}#{a.Attempt}")];

    public IReadOnlyList<PendingActivity> PendingInvokes =>
        [.. Context.PendingActivities.Where(a => a.Name == DurableRunOrchestrator.InvokeTaskActivity)];

    /// <summary>The run's row as the saves and the attempts that ended the run left it (null before the first write).</summary>
    public RunState? Row { get; private set; }

    /// <summary>The row's ETag (null before the first write).</summary>
    public string? RowETag { get; private set; }

    /// <summary>Rows the attempts that ended the run stored themselves (see <see cref="FinishOffer"/>), in order.</summary>
    public List<SaveRunInput> StoredByAttempts { get; } = [];

    /// <summary>When false, an attempt's activity ignores its finish offer (as an activity of a build before offers does).</summary>
    public bool AttemptsStoreTheEnd { get; set; } = true;

    /// <summary>Starts the row as the driver's create does, so the orchestration knows its ETag from the start.</summary>
    public StoredRun CreateRow(RunState state)
    {
        Row = state;
        RowETag = "etag-0";
        return new StoredRun(RowETag, "manual");
    }

    /// <summary>Answers every pending SaveRun as <see cref="RunSnapshots.SaveAsync(Loom.Core.Stores.IRunStore, Loom.Core.Stores.IEventStore, Loom.Core.Stores.IAttemptStore, SaveRunInput, CancellationToken)"/> decides over <see cref="Row"/>.</summary>
    public void CompleteSaves()
    {
        while (Context.PendingActivities.FirstOrDefault(a => a.Name == DurableRunOrchestrator.SaveRunActivity) is { } save)
        {
            Context.CompleteActivity(save.Sequence, Save(save.Input<SaveRunInput>()));
        }
    }

    /// <summary>What the store does with a save: a blind write over a known ETag, else read and decide.</summary>
    public SaveRunResult Save(SaveRunInput input)
    {
        if (Row is null || (input.Stored is { } known && known.ETag == RowETag))
        {
            Saves.Add(input);
            return new SaveRunResult(true, WriteRow(input.State));
        }

        var record = RunSnapshots.Merge(null, Row, "manual")!;
        if (RunSnapshots.OvertakenBy(record, input) is { } won) return new SaveRunResult(false, new StoredRun(RowETag!, "manual"), won);
        if (RunSnapshots.Merge(record, input.State) is null) return new SaveRunResult(false, new StoredRun(RowETag!, "manual"));
        Saves.Add(input);
        return new SaveRunResult(true, WriteRow(input.State));
    }

    private StoredRun WriteRow(RunState state)
    {
        Row = state;
        RowETag = $"etag-{Saves.Count + StoredByAttempts.Count}";
        return new StoredRun(RowETag, "manual");
    }

    /// <summary>What the InvokeTask activity does with a finish offer: stores the run's end over the row it was sent with; null when it stores nothing.</summary>
    public RunFinished? StoreTheEnd(InvokeTaskInput input, AttemptOutcome outcome, AttemptRecord record, DateTimeOffset at)
    {
        if (!AttemptsStoreTheEnd || RunFinisher.SaveFor(_workflow, input, outcome, record, at) is not { } save || save.Stored!.ETag != RowETag) return null;
        StoredByAttempts.Add(save);
        Saves.Add(save);
        return new RunFinished(WriteRow(save.State), at, save.State.EventCount, save.State.Status);
    }

    /// <summary>Answers the oldest pending attempt with <see cref="Respond"/> after <see cref="Latency"/>.</summary>
    /// <param name="outcome">The outcome; <see cref="Respond"/>'s when null.</param>
    /// <param name="storeTheEnd">False: the activity does not store the run's end whatever its offer (a delivery whose write found the row changed).</param>
    public InvokeTaskInput CompleteNextInvoke(AttemptOutcome? outcome = null, bool storeTheEnd = true)
    {
        var next = PendingInvokes[0];
        var input = next.Input<InvokeTaskInput>();
        var result = outcome ?? Respond(input);
        Context.SetClock(Context.Now + Latency);
        ApplyReference(new AttemptCompleted(input.TaskId, input.Attempt, result, Context.Now));
        var record = AttemptRecords.From(input, Context.Now - Latency, $"{input.Task.Method} {input.Task.Url}", result);
        Context.CompleteActivity(next.Sequence, new InvokeTaskResult(result, record, storeTheEnd ? StoreTheEnd(input, result, record, Context.Now) : null));
        return input;
    }

    /// <summary>The oldest pending attempt's activity fails (as a crashed worker would make it); the loop reads that as a network failure.</summary>
    public void FailNextInvoke(string message)
    {
        var next = PendingInvokes[0];
        var input = next.Input<InvokeTaskInput>();
        Context.SetClock(Context.Now + Latency);
        var expected = AttemptOutcome.Fail(FailureClass.Network, $"The {DurableRunOrchestrator.InvokeTaskActivity} activity failed: {message}");
        ApplyReference(new AttemptCompleted(input.TaskId, input.Attempt, expected, Context.Now));
        Context.FailActivity(next.Sequence, message);
    }

    /// <summary>Fires the earliest pending timer and every other timer due by then, as the backend does in one episode.</summary>
    public void FireNextTimer()
    {
        var due = Context.PendingTimers.Min(t => t.FireAt!.Value);
        var at = due > Context.Now ? due : Context.Now;

        // The clock is often already past several timers (attempts answered first move it on); AdvanceTo fires every timer
        // due by the new clock, in sequence order, so the reference must be given each of them, not only the earliest.
        var firing = Context.PendingTimers.Where(t => t.FireAt <= at).ToList();
        Context.AdvanceTo(at);
        foreach (var timer in firing)
        {
            var command = ReferenceTimerAt(timer.FireAt!.Value)
                ?? throw new InvalidOperationException($"the orchestration has a timer at {timer.FireAt:O} the reference machine never asked for; reference timers [{string.Join(", ", _referenceTimers.Select(r => $"{r.Purpose}/{r.TaskId}#{r.Attempt}@{r.FireAt:O}"))}]; firing [{string.Join(", ", firing.Select(p => $"{p.FireAt:O}"))}]; ref state {RunStateJson.Serialize(_reference)}");
            _referenceTimers.Remove(command);
            ApplyReference(new TimerFired(command.Purpose, command.TaskId, command.Attempt, Context.Now));
        }
    }

    public void RaiseCallback(string taskId, int attempt, AttemptOutcome outcome)
    {
        ApplyReference(new CallbackReceived(taskId, attempt, outcome, Context.Now));
        Context.RaiseEvent(DurableRunOrchestrator.CallbackEvent(taskId, attempt), outcome);
    }

    public void Cancel(string reason)
    {
        ApplyReference(new CancelRequested(reason, Context.Now));
        Context.RaiseEvent(DurableRunOrchestrator.CancelEvent, new CancelRunRequest(reason));
    }

    /// <summary>Saves, answers attempts, and fires timers until the orchestration completes or only waits for external events.</summary>
    public void RunUntilIdle(bool fireTimers = true, int maxSteps = 10_000)
    {
        for (var step = 0; step < maxSteps && !Context.IsCompleted; step++)
        {
            CompleteSaves();
            if (Context.IsCompleted) return;
            if (PendingInvokes.Count > 0)
            {
                CompleteNextInvoke();
            }
            else if (fireTimers && Context.PendingTimers.Count > 0)
            {
                FireNextTimer();
            }
            else
            {
                return;
            }
        }
    }

    /// <summary>
    /// The activities sent equal the machine's commands, in order, except attempts held back while a generation drained and
    /// aborted before they could be sent; and the saved state equals the machine's.
    /// </summary>
    public void AssertMatchesMachine()
    {
        var sent = SentAttempts;
        var neverSent = CommandedAttempts.Except(sent).ToList();
        Assert.All(neverSent, a => Assert.Contains(a, AbortedAttempts));
        Assert.Equal(CommandedAttempts.Where(a => !neverSent.Contains(a)), sent);
        Assert.Equal(RunStateJson.Serialize(_reference), RunStateJson.Serialize(LastSaved));
    }

    /// <summary>
    /// The reference timer a fired timer of the orchestration stands for. The double knows a timer only by its fire time, and
    /// a timer the machine no longer needs (a callback deadline after the callback came, which the orchestration abandoned)
    /// can share it with one the machine still needs (a retry backoff): the one the machine would act on comes first, in the
    /// order the machine asked for them; a stale one only when no needed one has that time (the machine ignores it).
    /// </summary>
    private StartTimer? ReferenceTimerAt(DateTimeOffset fireAt)
    {
        var candidates = _referenceTimers.Where(t => t.FireAt == fireAt).ToList();
        return candidates.FirstOrDefault(t => !RunStateMachine.Apply(_workflow, _reference, new TimerFired(t.Purpose, t.TaskId, t.Attempt, Context.Now)).Ignored)
            ?? candidates.FirstOrDefault();
    }

    private void ApplyReference(RunEvent runEvent)
    {
        var transition = RunStateMachine.Apply(_workflow, _reference, runEvent);
        _reference = transition.State;
        foreach (var command in transition.Commands)
        {
            switch (command)
            {
                case InvokeTask invoke:
                    CommandedAttempts.Add($"{invoke.TaskId}#{invoke.Attempt}");
                    break;
                case StartTimer timer:
                    _referenceTimers.Add(timer);
                    break;
                case AbortTask abort:
                    AbortedAttempts.Add($"{abort.TaskId}#{abort.Attempt}");
                    break;
            }
        }
    }
}

/// <summary>Workflows built in code (the parser is another helper's work).</summary>
internal static class Workflows
{
    public static TaskDefinition Task(string id, params string[] dependsOn) =>
        new() { Id = id, Url = $"http://backend/{id}", DependsOn = dependsOn, Retry = new RetryPolicy { MaxAttempts = 1, Jitter = 0 } };

    public static WorkflowDefinition Of(params TaskDefinition[] tasks) => new() { Id = "wf", Tasks = tasks };

    public static WorkflowDefinition Diamond() => Of(Task("a"), Task("b", "a"), Task("c", "a"), Task("d", "b", "c"));

    public static WorkflowDefinition Chain(int length) =>
        Of([.. Enumerable.Range(0, length).Select(i => i == 0 ? Task("t0") : Task($"t{i}", $"t{i - 1}"))]);
}
