using System.Text.Json;
using Loom.Core.Orchestration;

namespace Loom.Core.Tests.Orchestration;

/// <summary>Thrown when a replay schedules something other than what the history holds: the orchestrator is not deterministic.</summary>
public sealed class NonDeterministicOrchestrationException(string message) : Exception(message);

/// <summary>What a failed activity throws inside the orchestrator (Durable's TaskFailedException).</summary>
public sealed class ActivityFailedException(string message) : Exception(message);

/// <summary>Kinds of actions an orchestrator schedules.</summary>
public enum ActionKind
{
    /// <summary>An activity call.</summary>
    Activity,

    /// <summary>A durable timer.</summary>
    Timer,

    /// <summary>A wait for an external event.</summary>
    EventWait,
}

/// <summary>An action in the history: what was scheduled at a sequence number, in which episode.</summary>
public sealed record ScheduledAction(int Sequence, ActionKind Kind, string Name, string? InputJson, DateTimeOffset? FireAt, int Episode)
{
    /// <summary>Describes the action without its episode.</summary>
    public string Describe() => Kind switch
    {
        ActionKind.Activity => $"activity '{Name}' with input {InputJson}",
        ActionKind.Timer => $"timer firing at {FireAt:O}",
        _ => $"wait for event '{Name}'",
    };
}

/// <summary>An activity the backend has not answered yet.</summary>
public sealed record PendingActivity(int Sequence, string Name, string InputJson)
{
    /// <summary>The input read as <typeparamref name="T"/>.</summary>
    public T Input<T>() => JsonSerializer.Deserialize<T>(InputJson, ReplayOrchestrationContext.Json)!;
}

/// <summary>
/// A test double of Durable Functions' orchestration context that behaves like the real one: it runs the orchestrator
/// function on one thread; each activity, timer and event wait gets a sequence number and is recorded in the history;
/// each time the test (acting as the backend and the activities) completes something, it re-runs the orchestrator from
/// the beginning, replaying the history (IsReplaying true until the new part), and throws
/// <see cref="NonDeterministicOrchestrationException"/> with the sequence number and the expected and actual action
/// whenever the replayed code schedules something different (kind, name, input JSON, timer fire time), schedules it in a
/// different episode, or fails to schedule it. Inputs, results and payloads go through JSON, as in Durable.
/// External events raised with no waiter are buffered; ContinueAsNew restarts with a fresh history and keeps them.
/// </summary>
public sealed class ReplayOrchestrationContext : IRunOrchestrationContext
{
    /// <summary>The JSON options of the double's data converter (web defaults, like the isolated worker's).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly List<(int Generation, string Name, string InputJson)> _activityCalls = [];
    private Func<IRunOrchestrationContext, string, Task<string?>>? _orchestrator;

    // The history of the current generation.
    private string _inputJson = "null";
    private List<Episode> _episodes = [];
    private List<ScheduledAction> _recorded = [];
    private List<(string Name, string PayloadJson)> _initialBuffer = [];

    // State of the current replay.
    private readonly Dictionary<int, Open> _open = [];
    private readonly List<(string Name, int Sequence)> _waiters = [];
    private List<(string Name, string PayloadJson)> _buffer = [];
    private int _sequence;
    private int _episodeIndex;
    private DateTimeOffset _now;
    private NonDeterministicOrchestrationException? _violation;
    private string? _continueAsNewInput;

    /// <summary>Creates the double with the backend clock at <paramref name="start"/>.</summary>
    public ReplayOrchestrationContext(DateTimeOffset start) => Now = start;

    /// <summary>The backend's clock: the time of the next episode.</summary>
    public DateTimeOffset Now { get; private set; }

    /// <inheritdoc />
    public DateTimeOffset CurrentUtcDateTime => _now;

    /// <inheritdoc />
    public bool IsReplaying { get; private set; }

    /// <summary>ContinueAsNew generation (0 for the first).</summary>
    public int Generation { get; private set; }

    /// <summary>How many times the orchestrator function has been run.</summary>
    public int Executions { get; private set; }

    /// <summary>Most actions one generation's history ever held.</summary>
    public int LargestHistory { get; private set; }

    /// <summary>True when the orchestrator returned without continuing as new.</summary>
    public bool IsCompleted { get; private set; }

    /// <summary>The last custom status, as JSON.</summary>
    public string? CustomStatusJson { get; private set; }

    /// <summary>Every activity scheduled (first time only, not replays), across generations, in order.</summary>
    public IReadOnlyList<(int Generation, string Name, string InputJson)> ActivityCalls => _activityCalls;

    /// <summary>The retry policy last asked for, per activity name.</summary>
    public Dictionary<string, ActivityRetry> Retries { get; } = [];

    /// <summary>The input of every generation after the first, as JSON, in order.</summary>
    public List<string> ContinueAsNewInputs { get; } = [];

    /// <summary>The current generation's history of scheduled actions.</summary>
    public IReadOnlyList<ScheduledAction> History => _recorded;

    /// <summary>Activities not answered yet, in sequence order.</summary>
    public IReadOnlyList<PendingActivity> PendingActivities =>
        [.. _open.Values.Where(o => o.Action.Kind == ActionKind.Activity).OrderBy(o => o.Action.Sequence)
            .Select(o => new PendingActivity(o.Action.Sequence, o.Action.Name, o.Action.InputJson!))];

    /// <summary>Timers neither fired nor cancelled, in sequence order.</summary>
    public IReadOnlyList<ScheduledAction> PendingTimers =>
        [.. _open.Values.Where(o => o.Action.Kind == ActionKind.Timer && !o.Cancelled).OrderBy(o => o.Action.Sequence).Select(o => o.Action)];

    /// <summary>Names of the external events the orchestrator is waiting for, in order.</summary>
    public IReadOnlyList<string> PendingEventWaits => [.. _waiters.Select(w => w.Name)];

    /// <summary>Starts the orchestration (generation 0) and runs it until it waits.</summary>
    public void Start<TInput, TOutput>(Func<IRunOrchestrationContext, TInput, Task<TOutput>> orchestrator, TInput input)
    {
        if (_orchestrator is not null) throw new InvalidOperationException("The orchestration was already started.");
        _orchestrator = async (context, json) =>
        {
            var typed = JsonSerializer.Deserialize<TInput>(json, Json)!;
            var output = await orchestrator(context, typed);
            return JsonSerializer.Serialize(output, Json);
        };
        StartGeneration(JsonSerializer.Serialize(input, Json), []);
    }

    /// <summary>The orchestrator's output, once completed.</summary>
    public T Output<T>() =>
        IsCompleted ? JsonSerializer.Deserialize<T>(_outputJson!, Json)! : throw new InvalidOperationException("The orchestration has not completed.");

    private string? _outputJson;

    /// <summary>The last custom status read as <typeparamref name="T"/>.</summary>
    /// <remarks>The loop hands its status over as a <see cref="RunPayload{T}"/>, which writes itself in Loom's contract: read it in that contract.</remarks>
    public T? CustomStatus<T>() => CustomStatusJson is null ? default : JsonSerializer.Deserialize<T>(CustomStatusJson, RunOrchestrationJson.Options);

    /// <summary>The backend completes activity <paramref name="sequence"/> with <paramref name="result"/>; the orchestrator replays.</summary>
    public void CompleteActivity(int sequence, object? result)
    {
        RequireOpen(sequence, ActionKind.Activity);
        Deliver([new HistoryEvent.ActivityCompleted(sequence, JsonSerializer.Serialize(result, Json))]);
    }

    /// <summary>Activity <paramref name="sequence"/> fails; the orchestrator sees <see cref="ActivityFailedException"/>.</summary>
    public void FailActivity(int sequence, string message)
    {
        RequireOpen(sequence, ActionKind.Activity);
        Deliver([new HistoryEvent.ActivityFailed(sequence, message)]);
    }

    /// <summary>Moves the clock to <paramref name="time"/> and fires, in one episode, every timer due by then.</summary>
    public void AdvanceTo(DateTimeOffset time)
    {
        if (time < Now) throw new InvalidOperationException($"The clock cannot go back from {Now:O} to {time:O}.");
        Now = time;
        var due = PendingTimers.Where(t => t.FireAt <= time).Select(t => (HistoryEvent)new HistoryEvent.TimerFired(t.Sequence)).ToList();
        if (due.Count > 0) Deliver(due);
    }

    /// <summary>Moves the clock to the earliest pending timer and fires it (and any due at the same time).</summary>
    public void FireNextTimer()
    {
        var next = PendingTimers.OrderBy(t => t.FireAt).ThenBy(t => t.Sequence).FirstOrDefault()
            ?? throw new InvalidOperationException("No timer is pending.");
        AdvanceTo(next.FireAt!.Value > Now ? next.FireAt.Value : Now);
    }

    /// <summary>
    /// Moves the clock to <paramref name="at"/> and fires timer <paramref name="sequence"/> alone, whenever it is due: before
    /// its fire time, as DurableTask.AzureStorage does (timer messages become visible after whole seconds, cut down), or after.
    /// </summary>
    public void FireTimerAt(int sequence, DateTimeOffset at)
    {
        RequireOpen(sequence, ActionKind.Timer);
        SetClock(at);
        Deliver([new HistoryEvent.TimerFired(sequence)]);
    }

    /// <summary>Moves the clock without delivering anything.</summary>
    public void SetClock(DateTimeOffset time) => Now = time >= Now ? time : throw new InvalidOperationException("The clock cannot go back.");

    /// <summary>Raises an external event; a waiter receives it, or it is buffered until one comes.</summary>
    public void RaiseEvent(string name, object? payload) =>
        Deliver([new HistoryEvent.EventRaised(name, JsonSerializer.Serialize(payload, Json))]);

    /// <inheritdoc />
    public Task<TResult> CallActivityAsync<TResult>(string name, object input, ActivityRetry? retry = null)
    {
        // The backend (the test) plays any retries: a completion is the final result, a failure the failure after the last retry.
        if (retry is not null) Retries[name] = retry;
        var tcs = new TaskCompletionSource<TResult>();
        var action = Schedule(ActionKind.Activity, name, JsonSerializer.Serialize(input, input.GetType(), Json), null);
        _open[action.Sequence] = new Open(action, e =>
        {
            switch (e)
            {
                case HistoryEvent.ActivityCompleted done:
                    tcs.SetResult(JsonSerializer.Deserialize<TResult>(done.ResultJson, Json)!);
                    break;
                case HistoryEvent.ActivityFailed failed:
                    tcs.SetException(new ActivityFailedException(failed.Message));
                    break;
            }
        });
        return tcs.Task;
    }

    /// <inheritdoc />
    public Task CreateTimer(DateTimeOffset fireAt, CancellationToken cancellationToken)
    {
        var tcs = new TaskCompletionSource();
        var action = Schedule(ActionKind.Timer, "timer", null, fireAt);
        var open = new Open(action, _ => tcs.TrySetResult());
        _open[action.Sequence] = open;
        cancellationToken.Register(() =>
        {
            open.Cancelled = true;
            tcs.TrySetCanceled(cancellationToken);
        });
        return tcs.Task;
    }

    /// <inheritdoc />
    public Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken)
    {
        var tcs = new TaskCompletionSource<T>();
        var action = Schedule(ActionKind.EventWait, eventName, null, null);
        var buffered = _buffer.FindIndex(b => b.Name == eventName);
        if (buffered >= 0)
        {
            var payload = _buffer[buffered].PayloadJson;
            _buffer.RemoveAt(buffered);
            tcs.SetResult(JsonSerializer.Deserialize<T>(payload, Json)!);
            return tcs.Task;
        }

        _open[action.Sequence] = new Open(action, e => tcs.TrySetResult(JsonSerializer.Deserialize<T>(((HistoryEvent.EventRaised)e).PayloadJson, Json)!));
        _waiters.Add((eventName, action.Sequence));
        cancellationToken.Register(() =>
        {
            _waiters.RemoveAll(w => w.Sequence == action.Sequence);
            _open.Remove(action.Sequence);
            tcs.TrySetCanceled(cancellationToken);
        });
        return tcs.Task;
    }

    /// <inheritdoc />
    public void ContinueAsNew(object input) => _continueAsNewInput = JsonSerializer.Serialize(input, input.GetType(), Json);

    /// <inheritdoc />
    public void SetCustomStatus(object? status) =>
        CustomStatusJson = status is null ? null : JsonSerializer.Serialize(status, status.GetType(), Json);

    private ScheduledAction Schedule(ActionKind kind, string name, string? inputJson, DateTimeOffset? fireAt)
    {
        var sequence = _sequence++;
        var actual = new ScheduledAction(sequence, kind, name, inputJson, fireAt, _episodeIndex);
        if (sequence < _recorded.Count)
        {
            var expected = _recorded[sequence];
            if (expected != actual)
            {
                var when = expected.Episode == actual.Episode ? "" : $" (history scheduled it in episode {expected.Episode}, the replay in episode {actual.Episode})";
                Violate($"Non-deterministic orchestrator at sequence {sequence}: history holds {expected.Describe()}, the replay scheduled {actual.Describe()}{when}.{FirstDifference(expected.Describe(), actual.Describe())}");
            }
            return expected;
        }

        if (_episodeIndex < _episodes.Count - 1)
        {
            Violate($"Non-deterministic orchestrator at sequence {sequence}: the replay of episode {_episodeIndex} scheduled {actual.Describe()}, which the history does not hold.");
        }

        _recorded.Add(actual);
        LargestHistory = Math.Max(LargestHistory, _recorded.Count);
        if (kind == ActionKind.Activity) _activityCalls.Add((Generation, name, inputJson!));
        return actual;
    }

    private static string FirstDifference(string expected, string actual)
    {
        var i = 0;
        while (i < expected.Length && i < actual.Length && expected[i] == actual[i]) i++;
        if (i == expected.Length && i == actual.Length) return "";
        static string Around(string s, int at) => s.Substring(Math.Max(0, at - 40), Math.Min(s.Length, at + 40) - Math.Max(0, at - 40));
        return $" First difference at character {i}: expected ...{Around(expected, i)}... actual ...{Around(actual, i)}...";
    }

    private void Violate(string message)
    {
        _violation ??= new NonDeterministicOrchestrationException(message);
        throw _violation;
    }

    private void RequireOpen(int sequence, ActionKind kind)
    {
        if (IsCompleted) throw new InvalidOperationException("The orchestration has completed.");
        if (!_open.TryGetValue(sequence, out var open) || open.Action.Kind != kind)
        {
            throw new InvalidOperationException($"No pending {kind} has sequence {sequence}.");
        }
    }

    private void StartGeneration(string inputJson, List<(string Name, string PayloadJson)> carriedEvents)
    {
        _inputJson = inputJson;
        _episodes = [new Episode(Now, [])];
        _recorded = [];
        _initialBuffer = carriedEvents;
        Replay();
    }

    private void Deliver(List<HistoryEvent> events)
    {
        if (IsCompleted) throw new InvalidOperationException("The orchestration has completed.");
        _episodes.Add(new Episode(Now, events));
        Replay();
    }

    /// <summary>Runs the orchestrator from the beginning over the whole history of the current generation.</summary>
    private void Replay()
    {
        _open.Clear();
        _waiters.Clear();
        _buffer = [.. _initialBuffer];
        _sequence = 0;
        _violation = null;
        _continueAsNewInput = null;
        Executions++;
        var last = _episodes.Count - 1;

        var pump = new PumpSynchronizationContext();
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(pump);
        Task<string?> running;
        try
        {
            _episodeIndex = 0;
            _now = _episodes[0].At;
            IsReplaying = last > 0;
            running = _orchestrator!(this, _inputJson);
            pump.RunAll();
            CheckEpisodeReplayed(0);
            for (var e = 1; e <= last; e++)
            {
                _episodeIndex = e;
                _now = _episodes[e].At;
                IsReplaying = e < last;
                foreach (var historyEvent in _episodes[e].Events)
                {
                    Apply(historyEvent);
                    pump.RunAll();
                    if (_violation is not null) throw _violation;
                }

                CheckEpisodeReplayed(e);
            }
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        if (_violation is not null) throw _violation;
        if (running.IsFaulted) throw new InvalidOperationException("The orchestrator failed.", running.Exception!.GetBaseException());
        if (!running.IsCompletedSuccessfully) return;
        if (_continueAsNewInput is { } next)
        {
            Generation++;
            ContinueAsNewInputs.Add(next);
            StartGeneration(next, _buffer);
            return;
        }

        IsCompleted = true;
        _outputJson = running.Result;
    }

    private void CheckEpisodeReplayed(int episode)
    {
        if (_violation is not null) throw _violation;
        if (episode == _episodes.Count - 1) return;
        var expected = _recorded.Count(a => a.Episode <= episode);
        if (_sequence < expected)
        {
            Violate($"Non-deterministic orchestrator at sequence {_sequence}: history holds {_recorded[_sequence].Describe()}, but the replay of episode {episode} did not schedule it.");
        }
    }

    private void Apply(HistoryEvent historyEvent)
    {
        switch (historyEvent)
        {
            case HistoryEvent.EventRaised raised:
                var waiter = _waiters.FindIndex(w => w.Name == raised.Name);
                if (waiter < 0)
                {
                    _buffer.Add((raised.Name, raised.PayloadJson));
                    return;
                }

                var sequence = _waiters[waiter].Sequence;
                _waiters.RemoveAt(waiter);
                Complete(sequence, raised);
                return;
            case HistoryEvent.ActivityCompleted done:
                Complete(done.Sequence, done);
                return;
            case HistoryEvent.ActivityFailed failed:
                Complete(failed.Sequence, failed);
                return;
            case HistoryEvent.TimerFired fired:
                // A timer the orchestrator abandoned still fires in the backend; Durable drops the event.
                if (_open.TryGetValue(fired.Sequence, out var timer) && timer.Cancelled) return;
                Complete(fired.Sequence, fired);
                return;
        }
    }

    private void Complete(int sequence, HistoryEvent historyEvent)
    {
        if (!_open.Remove(sequence, out var open))
        {
            Violate($"Non-deterministic orchestrator: the history completes sequence {sequence}, which the replay never scheduled.");
            return;
        }

        open.Complete(historyEvent);
    }

    private sealed record Episode(DateTimeOffset At, List<HistoryEvent> Events);

    private sealed class Open(ScheduledAction action, Action<HistoryEvent> complete)
    {
        public ScheduledAction Action { get; } = action;

        public bool Cancelled { get; set; }

        public void Complete(HistoryEvent e) => complete(e);
    }

    private abstract record HistoryEvent
    {
        public sealed record ActivityCompleted(int Sequence, string ResultJson) : HistoryEvent;

        public sealed record ActivityFailed(int Sequence, string Message) : HistoryEvent;

        public sealed record TimerFired(int Sequence) : HistoryEvent;

        public sealed record EventRaised(string Name, string PayloadJson) : HistoryEvent;
    }

    /// <summary>Runs every continuation the orchestrator posts on the test's thread, as Durable's single-threaded executor does.</summary>
    private sealed class PumpSynchronizationContext : SynchronizationContext
    {
        private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = new();

        public override void Post(SendOrPostCallback d, object? state) => _queue.Enqueue((d, state));

        public override void Send(SendOrPostCallback d, object? state) => d(state);

        public void RunAll()
        {
            while (_queue.TryDequeue(out var item)) item.Callback(item.State);
        }
    }
}
