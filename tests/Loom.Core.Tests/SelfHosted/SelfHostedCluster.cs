using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.SelfHosted;
using Loom.Core.Stores;
using Microsoft.Extensions.Time.Testing;

namespace Loom.Core.Tests.SelfHosted;

/// <summary>
/// A deterministic model of a self-hosted cluster driving one run with Core's rules: processes with a mailbox, carried
/// batches, in-flight calls and timers on a <see cref="FakeTimeProvider"/>, committing to an <see cref="InMemoryRunStore"/>.
/// The host's loop is reduced to its I/O (commit, reload, put attempts) so every decision comes from Core; the test picks
/// which step happens next (a batch, a call answering, time passing, a crash, an adoption sweep, a cancel).
/// </summary>
internal sealed class SelfHostedCluster
{
    private readonly WorkflowDefinition _workflow;
    private readonly IReadOnlyDictionary<string, int> _failures;
    private readonly List<Call> _network = [];
    private readonly HashSet<string> _dead = new(StringComparer.Ordinal);
    private int _incarnations;

    public SelfHostedCluster(WorkflowDefinition workflow, IReadOnlyDictionary<string, int> failures, int processes)
    {
        _workflow = workflow;
        _failures = failures;
        for (var i = 0; i < processes; i++) Processes.Add(new Process(this, $"p{i}:{++_incarnations}"));
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));

    public InMemoryRunStore Store { get; } = new();

    public List<Process> Processes { get; } = [];

    /// <summary>How often each attempt was sent to the backend ("task#attempt").</summary>
    public Dictionary<string, int> Sent { get; } = new(StringComparer.Ordinal);

    public List<string> Trace { get; } = [];

    public int Crashes { get; private set; }

    public IReadOnlyList<Call> Network => _network;

    public RunState Stored => RunStateJson.Deserialize(Store.Read().State);

    /// <summary>Process 0 starts the run (what <c>StartAsync</c> does: the start transition is the run's first commit).</summary>
    public void Start()
    {
        var pending = RunStateMachine.Create(_workflow, 1, "run-1", null, Clock.GetUtcNow(), Clock.GetUtcNow());
        var started = RunStateMachine.Apply(_workflow, pending, new RunStarted(Clock.GetUtcNow()));
        var p = Processes[0];
        var stored = Store.Create(RunCommits.Start(_workflow, pending, started, "manual", p.Incarnation));
        p.Hold(stored, started.State);
        p.Execute(started.Commands, started.State);
    }

    /// <summary>The backend answers one call: attempts up to the task's failure count fail with a 503, later ones succeed.</summary>
    public void Answer(Call call)
    {
        _network.Remove(call);
        call.Process.Inflight.Remove(Key(call.Invoke));
        if (!call.Process.Alive) return;
        var now = Clock.GetUtcNow();
        var fails = call.Invoke.Attempt <= _failures[call.Invoke.TaskId];
        var outcome = fails ? AttemptOutcome.Fail(FailureClass.ServerError, "unavailable", 503) : AttemptOutcome.Success();
        var row = new AttemptRecord
        {
            RunId = "run-1", TaskId = call.Invoke.TaskId, Attempt = call.Invoke.Attempt, StartedAt = now, Duration = TimeSpan.Zero,
            Outcome = fails ? "failed" : "succeeded", StatusCode = fails ? 503 : 200,
        };
        Trace.Add($"{Clock.GetUtcNow():ss.fff} answer {Key(call.Invoke)} to {call.Process.Incarnation}: {(fails ? 503 : 200)}");
        call.Process.Post(new AttemptCompleted(call.Invoke.TaskId, call.Invoke.Attempt, outcome, now), row);
    }

    /// <summary>Drops a process at this step: its memory, calls and timers are gone; it restarts under a new incarnation.</summary>
    public void Crash(Process p)
    {
        if (!p.Alive) return;
        Crashes++;
        Trace.Add($"{Clock.GetUtcNow():ss.fff} crash {p.Incarnation}");
        p.Die();
        _dead.Add(p.Incarnation);
        _network.RemoveAll(c => c.Process == p);
        Processes[Processes.IndexOf(p)] = new Process(this, $"{p.Incarnation.Split(':')[0]}:{++_incarnations}");
    }

    /// <summary>A recovery sweep by <paramref name="p"/>: claims items whose owner is dead, then executes them again.</summary>
    public void Sweep(Process p)
    {
        var record = Store.Read();
        if (string.IsNullOrEmpty(record.Outbox)) return;
        var state = RunStateJson.Deserialize(record.State);
        if (RunOutbox.Claim(_workflow, state, record.Outbox, _dead.Contains, p.Incarnation) is not { } claim) return;
        RunRecord stored;
        try
        {
            stored = Store.Update(record with { Outbox = claim.Outbox });
        }
        catch (StoreConcurrencyException)
        {
            return;
        }
        Trace.Add($"{Clock.GetUtcNow():ss.fff} {p.Incarnation} adopts {string.Join(",", claim.Orphaned.Select(c => c.GetType().Name))}");
        // As the server does: an actor already holding the run keeps its own record and state.
        if (!p.Holding) p.Hold(stored, state);
        p.Execute(claim.Orphaned, p.State!);
    }

    /// <summary>A cancel reaches <paramref name="p"/> through the API (which loads the run when the process does not hold it).</summary>
    public void Cancel(Process p)
    {
        var record = Store.Read();
        if (!p.Holding) p.Hold(record, RunStateJson.Deserialize(record.State));
        Trace.Add($"{Clock.GetUtcNow():ss.fff} cancel to {p.Incarnation}");
        p.Post(new CancelRequested("stop", Clock.GetUtcNow()), null);
    }

    private static string Key(InvokeTask invoke) => $"{invoke.TaskId}#{invoke.Attempt}";

    /// <summary>A call in flight from a process to the backend.</summary>
    internal sealed record Call(Process Process, InvokeTask Invoke);

    /// <summary>One process incarnation and its actor for the run (the part of <c>RunActor</c> that holds memory).</summary>
    internal sealed class Process(SelfHostedCluster cluster, string incarnation)
    {
        private readonly List<(RunEvent? Event, AttemptRecord? Row)> _carried = [];
        private readonly HashSet<string> _sentEarly = new(StringComparer.Ordinal);
        private readonly HashSet<string> _timersStarted = new(StringComparer.Ordinal);
        private readonly List<ITimer> _timers = [];
        private bool _flushArmed;

        public string Incarnation { get; } = incarnation;

        public bool Alive { get; private set; } = true;

        public bool Holding { get; private set; }

        public RunRecord? Record { get; private set; }

        public RunState? State { get; private set; }

        public List<(RunEvent? Event, AttemptRecord? Row)> Mailbox { get; } = [];

        public HashSet<string> Inflight { get; } = new(StringComparer.Ordinal);

        public void Hold(RunRecord record, RunState state)
        {
            (Record, State, Holding) = (record, state, true);
        }

        public void Post(RunEvent runEvent, AttemptRecord? row)
        {
            if (!Alive) return;
            if (Holding) Mailbox.Add((runEvent, row));
            else if (row is not null) cluster.Store.PutAttempt(row);
        }

        public void Die()
        {
            Alive = false;
            Holding = false;
            foreach (var t in _timers) t.Dispose();
            Mailbox.Clear();
        }

        /// <summary>One pass of the actor's loop over the first <paramref name="take"/> messages (what <c>CommitBatchAsync</c> does).</summary>
        /// <param name="take">Messages taken from the mailbox.</param>
        /// <param name="crashAfterCommit">Drop the process right after its commit lands, before it acts on it.</param>
        public void ProcessBatch(int take, bool crashAfterCommit)
        {
            var ready = Mailbox.Take(Math.Max(1, take)).ToList();
            Mailbox.RemoveRange(0, ready.Count);
            CommitBatch(ready, crashAfterCommit);
        }

        private void CommitBatch(List<(RunEvent? Event, AttemptRecord? Row)> ready, bool crashAfterCommit)
        {
            var forced = ready.Any(m => m.Event is null);
            if (forced) _flushArmed = false;
            List<(RunEvent? Event, AttemptRecord? Row)> batch = [.. _carried, .. ready.Where(m => m.Event is not null)];
            var rows = batch.Where(m => m.Row is not null).Select(m => m.Row!).ToList();
            for (var conflicts = 0; ; conflicts++)
            {
                var plan = RunBatchPlanner.Plan(cluster._workflow, State!, batch.Select(m => m.Event!), new BatchContext(forced, Retrying: conflicts > 0));
                if (plan.Action == BatchAction.Nothing)
                {
                    foreach (var row in rows) cluster.Store.PutAttempt(row);
                    _carried.Clear();
                    return;
                }
                foreach (var invoke in plan.SendEarly)
                {
                    if (_sentEarly.Add(Key(invoke))) Send(invoke, early: true);
                }
                if (plan.Action == BatchAction.Carry)
                {
                    cluster.Trace.Add($"{cluster.Clock.GetUtcNow():ss.fff} {Incarnation} carries {batch.Count}");
                    Execute(plan.StartNow, plan.State);
                    _carried.Clear();
                    _carried.AddRange(batch);
                    if (!_flushArmed)
                    {
                        _flushArmed = true;
                        Arm(RunBatchPlanner.CarryLimit, () => Mailbox.Add((null, null)));
                    }
                    return;
                }
                try
                {
                    Record = cluster.Store.Commit(RunCommits.Change(cluster._workflow, Record!, State!, plan.State, plan.Commands, plan.Log, rows, Incarnation));
                }
                catch (StoreConcurrencyException) when (conflicts < CommitFailures.MaxConflicts)
                {
                    cluster.Trace.Add($"{cluster.Clock.GetUtcNow():ss.fff} {Incarnation} conflict, reloads");
                    Record = cluster.Store.Read();
                    State = RunStateJson.Deserialize(Record.State);
                    continue;
                }
                cluster.Trace.Add($"{cluster.Clock.GetUtcNow():ss.fff} {Incarnation} commits {batch.Count} -> {plan.State.Status}");
                State = plan.State;
                _carried.Clear();
                if (crashAfterCommit)
                {
                    cluster.Crash(this);
                    return;
                }
                Execute(plan.Commands, plan.State);
                if (RunStatuses.IsFinal(State.Status)) Stop();
                return;
            }
        }

        /// <summary>
        /// Commits a batch the way <c>CommitWithRetriesAsync</c> does when storage refuses it: pauses as
        /// <see cref="CommitFailures"/> says, and after too many refusals fails the run from its stored state.
        /// </summary>
        public void ProcessBatchThroughRefusals()
        {
            var ready = Mailbox.ToList();
            Mailbox.Clear();
            var rows = _carried.Concat(ready).Where(m => m.Row is not null).Select(m => m.Row!).ToList();
            for (var failures = 0; ; failures++)
            {
                try
                {
                    CommitBatch(ready, crashAfterCommit: false);
                    return;
                }
                catch (RefusedWriteException ex)
                {
                    if (CommitFailures.ShouldAbort(failures + 1, cannotEverCommit: false))
                    {
                        var aborted = RunStateMachine.Apply(cluster._workflow, State!, new RunAborted(CommitFailures.AbortReason(ex.Message), cluster.Clock.GetUtcNow()));
                        Record = cluster.Store.Commit(RunCommits.Change(cluster._workflow, Record!, State!, aborted.State, aborted.Commands, aborted.Log,
                            CommitFailures.AbortedAttempts(rows), Incarnation));
                        State = aborted.State;
                        _carried.Clear();
                        Execute(aborted.Commands, aborted.State);
                        Stop();
                        return;
                    }
                    // The batch is kept in memory and written again after the pause.
                    cluster.Clock.Advance(CommitFailures.RetryDelay(failures));
                }
            }
        }

        private void Stop()
        {
            Holding = false;
            foreach (var t in _timers) t.Dispose();
            foreach (var m in Mailbox.Where(m => m.Row is not null)) cluster.Store.PutAttempt(m.Row!);
            Mailbox.Clear();
        }

        public void Execute(IEnumerable<RunCommand> commands, RunState state)
        {
            foreach (var command in commands)
            {
                switch (command)
                {
                    case InvokeTask invoke:
                        if (!_sentEarly.Contains(Key(invoke))) Send(invoke, early: false);
                        break;
                    case StartTimer timer when _timersStarted.Add($"{timer.Purpose}:{timer.TaskId}#{timer.Attempt}"):
                        Arm(timer.FireAt - cluster.Clock.GetUtcNow(), () => Post(new TimerFired(timer.Purpose, timer.TaskId, timer.Attempt, cluster.Clock.GetUtcNow()), null));
                        break;
                    case AbortTask abort:
                        cluster._network.RemoveAll(c => c.Process == this && c.Invoke.TaskId == abort.TaskId && c.Invoke.Attempt == abort.Attempt);
                        Inflight.Remove($"{abort.TaskId}#{abort.Attempt}");
                        break;
                }
            }
        }

        private void Send(InvokeTask invoke, bool early)
        {
            if (!Alive || !Inflight.Add(Key(invoke))) return;
            cluster.Sent[Key(invoke)] = cluster.Sent.GetValueOrDefault(Key(invoke)) + 1;
            cluster.Trace.Add($"{cluster.Clock.GetUtcNow():ss.fff} {Incarnation} sends {Key(invoke)}{(early ? " early" : "")}");
            cluster._network.Add(new Call(this, invoke));
        }

        private void Arm(TimeSpan delay, Action fire)
        {
            ITimer? timer = null;
            timer = cluster.Clock.CreateTimer(_ =>
            {
                if (Alive && Holding) fire();
            }, null, delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
            _timers.Add(timer);
        }
    }
}
