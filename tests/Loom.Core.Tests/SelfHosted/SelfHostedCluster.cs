using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.SelfHosted;
using Loom.Core.Stores;
using Microsoft.Extensions.Time.Testing;

namespace Loom.Core.Tests.SelfHosted;

/// <summary>
/// A deterministic model of a self-hosted cluster driving one run through Core's <see cref="RunCommitLoop"/>, the loop the
/// server's actors run: processes with a mailbox, in-flight calls and timers on a <see cref="FakeTimeProvider"/>, committing to
/// an <see cref="InMemoryRunStore"/> that can go down or lose answers. Every continuation runs on the test's thread through a
/// <see cref="SerialSynchronizationContext"/>; the test picks which step happens next (a batch, a call answering, a callback,
/// time passing, an outage, a crash, an adoption sweep, a cancel).
/// </summary>
internal sealed class SelfHostedCluster
{
    private readonly WorkflowDefinition _workflow;
    private readonly IReadOnlyDictionary<string, int> _failures;
    private readonly List<Call> _network = [];
    private readonly List<Callback> _callbacks = [];
    private readonly List<NotificationCall> _notifications = [];
    private readonly HashSet<string> _dead = new(StringComparer.Ordinal);
    private readonly SerialSynchronizationContext _context = new();
    private readonly int _thread = Environment.CurrentManagedThreadId;
    private int _incarnations;

    public SelfHostedCluster(WorkflowDefinition workflow, IReadOnlyDictionary<string, int> failures, int processes)
    {
        _workflow = workflow;
        _failures = failures;
        Store = new InMemoryRunStore(Clock);
        Outages = new StorageOutagePolicy(ex => ex is StorageUnreachableException, Clock);
        for (var i = 0; i < processes; i++) Processes.Add(new Process(this, $"p{i}:{++_incarnations}"));
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));

    public InMemoryRunStore Store { get; }

    /// <summary>The one outage policy, as the server builds it (here an outage is <see cref="StorageUnreachableException"/>).</summary>
    public StorageOutagePolicy Outages { get; }

    public List<Process> Processes { get; } = [];

    /// <summary>How often each attempt was sent to the backend ("task#attempt").</summary>
    public Dictionary<string, int> Sent { get; } = new(StringComparer.Ordinal);

    public List<string> Trace { get; } = [];

    public int Crashes { get; private set; }

    /// <summary>Calls into the store or the host made off the test's thread (a continuation that escaped the simulation).</summary>
    public int OffThread { get; private set; }

    public IReadOnlyList<Call> Network => _network;

    /// <summary>Notifications sent and not answered yet.</summary>
    public IReadOnlyList<NotificationCall> Notifications => _notifications;

    /// <summary>How often each notification was sent (by key).</summary>
    public Dictionary<string, int> Notified { get; } = new(StringComparer.Ordinal);

    /// <summary>Callbacks the backend still owes; it posts each again until the stored run no longer waits for it (as a backend retries a failed post).</summary>
    public IReadOnlyList<Callback> Callbacks
    {
        get
        {
            var stored = Stored;
            _callbacks.RemoveAll(c => RunStatuses.IsFinal(stored.Status) || stored.Tasks[c.TaskId].Attempt > c.Attempt
                || (stored.Tasks[c.TaskId].Attempt == c.Attempt && stored.Tasks[c.TaskId].Status is not (TaskRunStatus.Running or TaskRunStatus.Waiting)));
            return _callbacks;
        }
    }

    /// <summary>The callbacks the stored run would apply now.</summary>
    public IReadOnlyList<Callback> Deliverable => [.. Callbacks.Where(c => RunStateMachine.CallbackRefusal(Stored, c.TaskId, c.Attempt) is null)];

    public RunState Stored => RunStateJson.Deserialize(Store.Read().State);

    /// <summary>True while some process has a batch in its commit loop (waiting out an outage or a refused commit).</summary>
    public bool Committing => Processes.Any(p => p.Committing);

    /// <summary>Process 0 starts the run (what <c>StartAsync</c> does: the start transition is the run's first commit).</summary>
    public void Start() => _context.Run(() =>
    {
        var pending = RunStateMachine.Create(_workflow, 1, "run-1", null, Clock.GetUtcNow(), Clock.GetUtcNow());
        var started = RunStateMachine.Apply(_workflow, pending, new RunStarted(Clock.GetUtcNow()));
        var p = Processes[0];
        var stored = Store.Create(RunCommits.Start(_workflow, pending, started, "manual", p.Incarnation));
        p.Hold(stored, started.State);
        p.Loop!.Execute(started.Commands);
    });

    /// <summary>Time passes; timers fire and the commit loops waiting on the clock go on.</summary>
    public void Advance(TimeSpan by) => _context.Run(() => Clock.Advance(by));

    /// <summary>Storage is unreachable from now for <paramref name="duration"/>.</summary>
    public void Outage(TimeSpan duration)
    {
        Trace.Add($"{Clock.GetUtcNow():ss.fff} storage down for {duration.TotalMilliseconds} ms");
        Store.DownUntil = Clock.GetUtcNow() + duration;
    }

    /// <summary>The backend answers one call: a callback task's call is accepted (202), others fail with a 503 up to the task's failure count and then succeed.</summary>
    public void Answer(Call call) => _context.Run(() =>
    {
        _network.Remove(call);
        call.Process.Inflight.Remove(Key(call.Invoke));
        if (!call.Process.Alive) return;
        var now = Clock.GetUtcNow();
        var callback = IsCallback(call.Invoke.TaskId);
        var fails = !callback && call.Invoke.Attempt <= _failures[call.Invoke.TaskId];
        var outcome = callback ? new AttemptOutcome { Kind = OutcomeKind.Accepted, StatusCode = 202 }
            : fails ? AttemptOutcome.Fail(FailureClass.ServerError, "unavailable", 503) : AttemptOutcome.Success();
        var row = new AttemptRecord
        {
            RunId = "run-1", TaskId = call.Invoke.TaskId, Attempt = call.Invoke.Attempt, StartedAt = now, Duration = TimeSpan.Zero,
            Outcome = callback ? "accepted" : fails ? "failed" : "succeeded", StatusCode = outcome.StatusCode,
        };
        Trace.Add($"{Clock.GetUtcNow():ss.fff} answer {Key(call.Invoke)} to {call.Process.Incarnation}: {outcome.StatusCode}");
        call.Process.Post(new RunMessage(new AttemptCompleted(call.Invoke.TaskId, call.Invoke.Attempt, outcome, now), row));
    });

    /// <summary>The backend posts a callback task's result through the API of <paramref name="p"/> (which loads the run when it does not hold it).</summary>
    public void Deliver(Callback callback, Process p) => _context.Run(() =>
    {
        if (!p.Holding)
        {
            if (Store.IsDown) return; // The API answers 503; the backend posts again later.
            var record = Store.Read();
            p.Hold(record, RunStateJson.Deserialize(record.State));
        }
        var fails = callback.Attempt <= _failures[callback.TaskId];
        var outcome = fails ? AttemptOutcome.Fail(FailureClass.ServerError, "the job failed", 500) : AttemptOutcome.Success();
        Trace.Add($"{Clock.GetUtcNow():ss.fff} callback {callback.TaskId}#{callback.Attempt} to {p.Incarnation}: {(fails ? "failed" : "succeeded")}");
        p.Post(new RunMessage(new CallbackReceived(callback.TaskId, callback.Attempt, outcome, Clock.GetUtcNow())));
    });

    /// <summary>Drops a process at this step: its memory, calls and timers are gone; it restarts under a new incarnation.</summary>
    public void Crash(Process p)
    {
        if (!p.Alive) return;
        Crashes++;
        Trace.Add($"{Clock.GetUtcNow():ss.fff} crash {p.Incarnation}");
        p.Die();
        _dead.Add(p.Incarnation);
        _network.RemoveAll(c => c.Process == p);
        _notifications.RemoveAll(c => c.Process == p);
        Processes[Processes.IndexOf(p)] = new Process(this, $"{p.Incarnation.Split(':')[0]}:{++_incarnations}");
    }

    /// <summary>A recovery sweep by <paramref name="p"/>: claims items whose owner is dead, then executes them again.</summary>
    public void Sweep(Process p) => _context.Run(() =>
    {
        if (Store.IsDown) return; // The sweep fails and runs again at the next interval.
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
        p.Loop!.Execute(claim.Orphaned);
    });

    /// <summary>A cancel reaches <paramref name="p"/> through the API (which loads the run when the process does not hold it).</summary>
    public void Cancel(Process p) => _context.Run(() =>
    {
        if (!p.Holding)
        {
            if (Store.IsDown) return;
            var record = Store.Read();
            p.Hold(record, RunStateJson.Deserialize(record.State));
        }
        Trace.Add($"{Clock.GetUtcNow():ss.fff} cancel to {p.Incarnation}");
        p.Post(new RunMessage(new CancelRequested("stop", Clock.GetUtcNow())));
    });

    private bool IsCallback(string taskId) => _workflow.Tasks.First(t => t.Id == taskId).Completion == CompletionMode.Callback;

    private void CheckThread()
    {
        if (Environment.CurrentManagedThreadId != _thread) OffThread++;
    }

    private static string Key(InvokeTask invoke) => $"{invoke.TaskId}#{invoke.Attempt}";

    /// <summary>The receiver answers a notification 2xx: the process that sent it posts the report to the run.</summary>
    public void AnswerNotification(NotificationCall call) => _context.Run(() =>
    {
        _notifications.Remove(call);
        call.Process.Post(new RunMessage(new NotificationReported(call.Send.Notice.Key, [new NotificationDelivery("http://receiver", true, "HTTP 200")], Clock.GetUtcNow())));
    });

    /// <summary>A notification in flight from a process to its receiver.</summary>
    internal sealed record NotificationCall(Process Process, SendNotification Send);

    /// <summary>A call in flight from a process to the backend.</summary>
    internal sealed record Call(Process Process, InvokeTask Invoke);

    /// <summary>A callback the backend owes for an accepted attempt (it may come before the call's 202 does).</summary>
    internal sealed record Callback(string TaskId, int Attempt);

    /// <summary>One process incarnation: its actor for the run (mailbox, calls, timers) around Core's commit loop.</summary>
    internal sealed class Process(SelfHostedCluster cluster, string incarnation) : IRunCommitHost, IRunCommitStore
    {
        private readonly List<ITimer> _timers = [];
        private readonly CancellationTokenSource _stopping = new();
        private Task? _committing;
        private bool _crashAfterCommit;

        public string Incarnation { get; } = incarnation;

        public bool Alive { get; private set; } = true;

        public bool Holding { get; private set; }

        public RunCommitLoop? Loop { get; private set; }

        public List<RunMessage> Mailbox { get; } = [];

        public HashSet<string> Inflight { get; } = new(StringComparer.Ordinal);

        /// <summary>A batch is in the commit loop (it waits on the clock: an outage or a refused commit).</summary>
        public bool Committing => _committing is { IsCompleted: false };

        /// <summary>Takes the run into memory as stored (what the server's actor does on start, adoption or an API call).</summary>
        public void Hold(RunRecord record, RunState state)
        {
            Loop = new RunCommitLoop(cluster._workflow, record, state, new RunCommitServices(this, cluster.Outages, _ => false, Incarnation, cluster.Clock), this);
            Holding = true;
        }

        public void Post(RunMessage message)
        {
            if (!Alive) return;
            if (Holding) Mailbox.Add(message);
            else if (message.Attempt is not null && !cluster.Store.IsDown) cluster.Store.PutAttempt(message.Attempt);
        }

        public void Die()
        {
            Alive = false;
            Holding = false;
            foreach (var t in _timers) t.Dispose();
            Mailbox.Clear();
            // A commit loop waiting on the clock ends (its process is gone).
            _stopping.Cancel();
        }

        /// <summary>One pass of the actor's loop over the first <paramref name="take"/> messages, unless a batch is still committing.</summary>
        /// <param name="take">Messages taken from the mailbox.</param>
        /// <param name="crashAfterCommit">Drop the process right after its commit lands, before it acts on it.</param>
        public void ProcessBatch(int take, bool crashAfterCommit) => cluster._context.Run(() =>
        {
            if (Committing || Mailbox.Count == 0) return;
            var ready = Mailbox.Take(Math.Max(1, take)).ToList();
            Mailbox.RemoveRange(0, ready.Count);
            _crashAfterCommit = crashAfterCommit;
            _committing = CommitAsync(ready);
        });

        private async Task CommitAsync(List<RunMessage> ready)
        {
            try
            {
                if (!await Loop!.CommitAsync(ready, _stopping.Token) || !Alive) return;
            }
            catch (OperationCanceledException) when (!Alive)
            {
                return;
            }
            // As the server's actor: a finished run is held while it owes a notification, to take the report.
            if (RunStatuses.IsFinal(Loop.State.Status) && Loop.State.Notices is null) await StopAsync();
        }

        private async Task StopAsync()
        {
            Holding = false;
            foreach (var t in _timers) t.Dispose();
            var rows = Mailbox.Where(m => m.Attempt is not null).Select(m => m.Attempt!).ToList();
            Mailbox.Clear();
            await Loop!.PutAttemptsAsync(rows, _stopping.Token);
        }

        bool IRunCommitHost.IsDraining => false;

        void IRunCommitHost.Send(InvokeTask invoke, RunState state)
        {
            cluster.CheckThread();
            if (!Alive || !Inflight.Add(Key(invoke))) return;
            cluster.Sent[Key(invoke)] = cluster.Sent.GetValueOrDefault(Key(invoke)) + 1;
            cluster.Trace.Add($"{cluster.Clock.GetUtcNow():ss.fff} {Incarnation} sends {Key(invoke)}");
            cluster._network.Add(new Call(this, invoke));
            if (cluster.IsCallback(invoke.TaskId) && !cluster._callbacks.Contains(new Callback(invoke.TaskId, invoke.Attempt)))
            {
                cluster._callbacks.Add(new Callback(invoke.TaskId, invoke.Attempt));
            }
        }

        void IRunCommitHost.StartTimer(StartTimer timer) =>
            Arm(timer.FireAt - cluster.Clock.GetUtcNow(), () => Post(new RunMessage(new TimerFired(timer.Purpose, timer.TaskId, timer.Attempt, cluster.Clock.GetUtcNow()))));

        void IRunCommitHost.Notify(SendNotification send, RunState state)
        {
            cluster.CheckThread();
            if (!Alive) return;
            cluster.Notified[send.Notice.Key] = cluster.Notified.GetValueOrDefault(send.Notice.Key) + 1;
            cluster.Trace.Add($"{cluster.Clock.GetUtcNow():ss.fff} {Incarnation} notifies {send.Notice.Key}");
            cluster._notifications.Add(new NotificationCall(this, send));
        }

        void IRunCommitHost.Abort(AbortTask abort)
        {
            cluster._network.RemoveAll(c => c.Process == this && c.Invoke.TaskId == abort.TaskId && c.Invoke.Attempt == abort.Attempt);
            Inflight.Remove($"{abort.TaskId}#{abort.Attempt}");
        }

        void IRunCommitHost.FlushAfter(TimeSpan delay) => Arm(delay, () => Mailbox.Add(RunMessage.Flush));

        void IRunCommitHost.Committed(RunState state)
        {
            cluster.CheckThread();
            cluster.Trace.Add($"{cluster.Clock.GetUtcNow():ss.fff} {Incarnation} commits -> {state.Status}");
            // Dropped between its commit and acting on it: everything it would do next finds the process dead.
            if (_crashAfterCommit) cluster.Crash(this);
        }

        void IRunCommitHost.Stalled(Exception error, int failures) => cluster.Trace.Add($"{cluster.Clock.GetUtcNow():ss.fff} {Incarnation} stalled ({failures}): {error.Message}");

        void IRunCommitHost.Recovered(int failures) => cluster.Trace.Add($"{cluster.Clock.GetUtcNow():ss.fff} {Incarnation} committed after {failures} failure(s)");

        void IRunCommitHost.Aborting(string reason) => cluster.Trace.Add($"{cluster.Clock.GetUtcNow():ss.fff} {Incarnation} fails the run: {reason}");

        void IRunCommitHost.StorageUnreachable(Exception error) => cluster.Trace.Add($"{cluster.Clock.GetUtcNow():ss.fff} {Incarnation} waits out an outage");

        Task<RunRecord> IRunCommitStore.CommitAsync(RunCommit commit) => Io(() => cluster.Store.Commit(commit));

        Task<RunRecord?> IRunCommitStore.ReadAsync(string runId) => Io<RunRecord?>(cluster.Store.Fetch);

        Task IRunCommitStore.PutAttemptAsync(AttemptRecord attempt) => Io(() =>
        {
            cluster.Store.PutAttempt(attempt);
            return true;
        });

        private Task<T> Io<T>(Func<T> call)
        {
            cluster.CheckThread();
            // A dead process writes nothing more.
            if (!Alive) return Task.FromException<T>(new OperationCanceledException("process gone"));
            try
            {
                return Task.FromResult(call());
            }
            catch (Exception ex)
            {
                return Task.FromException<T>(ex);
            }
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
