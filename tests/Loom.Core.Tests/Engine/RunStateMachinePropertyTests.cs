using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Xunit.Abstractions;

namespace Loom.Core.Tests.Engine;

/// <summary>
/// Generated DAGs driven by a simulator that executes the machine's commands with random outcomes and random delivery
/// order, checking the design's invariants at every step. A seeded System.Random keeps every case reproducible.
/// </summary>
public sealed class RunStateMachinePropertyTests(ITestOutputHelper output)
{
    private const int Cases = 1200;
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Apply_GeneratedDags_KeepEveryInvariant()
    {
        var stats = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var seed = 1; seed <= Cases; seed++)
        {
            var trace = new StringBuilder();
            try
            {
                RunCase(seed, stats, trace);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                output.WriteLine(trace.ToString());
                throw new InvalidOperationException($"Property failed for seed {seed}: {ex.Message}", ex);
            }
        }

        output.WriteLine(string.Join(", ", stats.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")));

        // The generator must actually reach every interesting corner, or the properties prove little.
        foreach (var key in new[] { "run:succeeded", "run:failed", "run:cancelled", "task:skipped", "task:retried", "task:waited", "timeout", "failFast", "retryFromFailed", "redrive", "task:skipped-by-condition", "task:wait-timer", "forEach:succeeded", "forEach:failed", "forEach:instance-retried", "forEach:empty", "forEach:not-a-list", "forEach:cancelled", "forEach:instances-kept-on-redrive" })
        {
            Assert.True(stats.GetValueOrDefault(key) > 10, $"generator rarely reached {key}: {stats.GetValueOrDefault(key)}");
        }
    }

    private static void RunCase(int seed, Dictionary<string, int> stats, StringBuilder trace)
    {
        var rng = new Random(seed);
        var wf = GenerateWorkflow(rng);
        foreach (var t in wf.Tasks)
        {
            trace.AppendLine($"{t.Id} <- [{string.Join(",", t.DependsOn)}] {t.Trigger} max={t.Retry.MaxAttempts} allowFailure={t.AllowFailure} {t.Completion} forEach={t.ForEach}/{t.MaxParallel}");
        }

        trace.AppendLine($"failFast={wf.FailFast} timeout={wf.Timeout}");
        var state = RunStateMachine.Create(wf, 1, $"run-{seed}", null, T0, T0);
        var sim = new Simulation(wf, rng, stats, trace);
        var finished = sim.Run(state, allowCancel: rng.NextDouble() < 0.3);
        Count(stats, "run:" + finished.Status.ToString().ToLowerInvariant());

        if (finished.Status is RunStatus.Failed or RunStatus.Cancelled && rng.NextDouble() < 0.5)
        {
            Redrive(wf, finished, sim.Now, rng, stats, trace);
        }
        else if (finished.Status is RunStatus.Failed or RunStatus.Cancelled && rng.NextDouble() < 0.5)
        {
            Count(stats, "retryFromFailed");
            var retry = RunStateMachine.RetryFromFailed(wf, finished, $"run-{seed}-retry", sim.Now);
            var kept = finished.Tasks.Where(kv => kv.Value.Status == TaskRunStatus.Succeeded).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
            var keptInstances = KeptInstances(wf, finished, kept);
            if (keptInstances.Count > 0) Count(stats, "forEach:instances-kept-on-retry");
            foreach (var (id, task) in retry.Tasks)
            {
                // A task that runs again starts afresh, except that a forEach task keeps its succeeded instances (and their outputs).
                Assert.Equal(kept.Contains(id) ? finished.Tasks[id] : new TaskState(), kept.Contains(id) ? task : task with { ForEach = null });
                if (kept.Contains(id)) continue;
                var statuses = task.ForEach?.Statuses ?? "";
                Assert.Equal(keptInstances.Where(i => i.StartsWith(id + "[", StringComparison.Ordinal)),
                    statuses.Select((c, i) => (c, i)).Where(x => x.c == ForEachState.Succeeded).Select(x => ForEachInstances.Id(id, x.i)));
                if (task.ForEach is { } fan)
                {
                    Assert.All(fan.Statuses, c => Assert.True(c is ForEachState.Succeeded or ForEachState.Pending));
                    Assert.Same(finished.Tasks[id].ForEach!.Outputs, fan.Outputs);
                }
            }

            var second = new Simulation(wf, rng, stats, trace) { Now = sim.Now, NeverInvoke = new HashSet<string>(kept.Concat(keptInstances), StringComparer.Ordinal) };
            var retried = second.Run(retry, allowCancel: false);
            foreach (var id in kept)
            {
                Assert.Same(finished.Tasks[id], retried.Tasks[id]);
            }
        }
    }

    /// <summary>
    /// The instances a redrive or a retry keeps: a forEach task that runs again keeps its succeeded instances when its list comes
    /// out the same (a param or a kept task's output).
    /// </summary>
    private static List<string> KeptInstances(WorkflowDefinition wf, RunState finished, HashSet<string> kept) =>
        [.. wf.Tasks
            .Where(d => d.ForEach is not null && !kept.Contains(d.Id) && (ListSource(d) is not { } source || kept.Contains(source)))
            .SelectMany(d => (finished.Tasks[d.Id].ForEach?.Statuses ?? "").Select((c, i) => (c, i)).Where(x => x.c == ForEachState.Succeeded).Select(x => ForEachInstances.Id(d.Id, x.i)))];

    /// <summary>
    /// Redrives a failed or cancelled run in place and succeeds everything after: the run ends succeeded under the same id,
    /// every task that had succeeded is untouched (never invoked again, the very same state), and attempt numbers continue.
    /// </summary>
    private static void Redrive(WorkflowDefinition wf, RunState finished, DateTimeOffset now, Random rng, Dictionary<string, int> stats, StringBuilder trace)
    {
        Count(stats, "redrive");
        // Without a timeout: "succeeding everything" must not race a run timeout the simulation may deliver at any moment.
        var calm = wf with { Timeout = null };
        var kept = finished.Tasks.Where(kv => kv.Value.Status == TaskRunStatus.Succeeded).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        var redrive = new RedriveRequested([], "ops", now.AddSeconds(1));
        Assert.Equal(calm.Tasks.Select(t => t.Id).Where(id => !kept.Contains(id)), RunStateMachine.RedriveTasks(calm, finished, []));
        var keptInstances = KeptInstances(calm, finished, kept);
        if (keptInstances.Count > 0) Count(stats, "forEach:instances-kept-on-redrive");
        var sim = new Simulation(calm, rng, stats, trace) { Now = now, NeverInvoke = new HashSet<string>(kept.Concat(keptInstances), StringComparer.Ordinal), AlwaysSucceed = true };
        var redriven = sim.Run(finished, allowCancel: false, first: redrive);

        // The one failure left: a forEach list that a kept task's output does not hold (a 202 from a sync task has no output).
        var unresolvable = redriven.Tasks.Where(kv => kv.Value.Status == TaskRunStatus.Failed).All(kv => kv.Value.Reason?.StartsWith("forEach", StringComparison.Ordinal) == true);
        Assert.True(redriven.Status == RunStatus.Succeeded || (redriven.Status == RunStatus.Failed && unresolvable), $"redriven run {redriven.Status}: {redriven.Reason}");
        Assert.Equal(finished.RunId, redriven.RunId);
        Assert.Equal(1, redriven.Redrives);
        foreach (var id in kept)
        {
            Assert.Same(finished.Tasks[id], redriven.Tasks[id]);
        }

        foreach (var (id, task) in redriven.Tasks.Where(kv => !kept.Contains(kv.Key)))
        {
            Assert.Equal(finished.Tasks[id].Attempt, task.AttemptBase);
            Assert.True(task.Attempt >= task.AttemptBase, $"{id}: attempt {task.Attempt} went back below {task.AttemptBase}");
        }
    }

    /// <summary>The task a forEach list comes from; null for a param list.</summary>
    private static string? ListSource(TaskDefinition def) =>
        System.Text.RegularExpressions.Regex.Match(def.ForEach!, @"tasks\.([A-Za-z0-9_-]+)\.") is { Success: true } m ? m.Groups[1].Value : null;

    private static WorkflowDefinition GenerateWorkflow(Random rng)
    {
        var n = rng.Next(1, 16);
        var density = rng.NextDouble() * 0.5;
        var rules = Enum.GetValues<TriggerRule>();
        var tasks = new List<TaskDefinition>();
        for (var i = 0; i < n; i++)
        {
            var deps = Enumerable.Range(0, i).Where(_ => rng.NextDouble() < density).Select(j => $"t{j}").ToArray();
            tasks.Add(new TaskDefinition
            {
                Id = $"t{i}",
                Url = $"http://backend/t{i}",
                DependsOn = deps,
                Trigger = rng.NextDouble() < 0.4 ? TriggerRule.AllSuccess : rules[rng.Next(rules.Length)],
                AllowFailure = rng.NextDouble() < 0.2,
                Completion = rng.NextDouble() < 0.25 ? CompletionMode.Callback : CompletionMode.Sync,
                CallbackTimeout = TimeSpan.FromSeconds(rng.Next(10, 600)),
                Retry = new RetryPolicy
                {
                    MaxAttempts = rng.Next(1, 5),
                    Backoff = (BackoffKind)rng.Next(3),
                    Delay = TimeSpan.FromSeconds(rng.Next(1, 10)),
                    MaxDelay = TimeSpan.FromSeconds(rng.Next(5, 120)),
                    Jitter = rng.NextDouble() * 0.5,
                    RetryOn = rng.NextDouble() < 0.2 ? RetryOn.Default | RetryOn.ClientError : RetryOn.Default,
                },
            });

            // Wait tasks (a timer instead of a call) and conditions on upstream statuses, decided only once every upstream task is
            // final (rules that fire early would read a status still changing, which the oracle below does not model).
            if (rng.NextDouble() < 0.15)
            {
                tasks[^1] = tasks[^1] with { Type = TaskTypes.Wait, Url = string.Empty, WaitDuration = TimeSpan.FromSeconds(rng.Next(0, 300)) };
            }

            // forEach over an upstream task's list (its outputs carry one, sometimes empty, sometimes not a list) or a param.
            // A list from a task is read under all_success, so the task has succeeded: an http task's output carries "items", a
            // forEach task's output is itself a list; a wait task has no output.
            var sources = tasks.Where(t => deps.Contains(t.Id) && t.Type == TaskTypes.Http).ToList();
            if (tasks[^1].Type == TaskTypes.Http && rng.NextDouble() < 0.25)
            {
                var source = sources.Count > 0 && rng.NextDouble() < 0.7 ? sources[rng.Next(sources.Count)] : null;
                tasks[^1] = tasks[^1] with
                {
                    ForEach = source is null ? "${{ params.items }}" : $"${{{{ tasks.{source.Id}.output{(source.ForEach is null ? ".items" : string.Empty)} }}}}",
                    Trigger = source is null ? tasks[^1].Trigger : TriggerRule.AllSuccess,
                    MaxParallel = rng.Next(1, 4),
                    Completion = CompletionMode.Sync,
                };
            }

            var rule = tasks[^1].Trigger;
            if (rng.NextDouble() < 0.25 && rule is not (TriggerRule.OneSuccess or TriggerRule.OneFailed))
            {
                tasks[^1] = tasks[^1] with
                {
                    When = deps.Length > 0 && rng.NextDouble() < 0.7
                        ? $"tasks.{deps[rng.Next(deps.Length)]}.status {(rng.NextDouble() < 0.5 ? "==" : "!=")} 'succeeded'"
                        : rng.NextDouble() < 0.5 ? "true" : "not true",
                };
            }
        }

        // Declaration order need not be topological: reverse some workflows.
        if (rng.NextDouble() < 0.2)
        {
            tasks.Reverse();
        }

        return new WorkflowDefinition
        {
            Id = "generated",
            Params = new Dictionary<string, JsonNode?> { ["items"] = new JsonArray([.. Enumerable.Range(0, rng.Next(0, 5)).Select(i => (JsonNode?)JsonValue.Create(i))]) },
            Tasks = tasks,
            FailFast = rng.NextDouble() < 0.2,
            Timeout = rng.NextDouble() < 0.2 ? TimeSpan.FromSeconds(rng.Next(30, 900)) : null,
        };
    }

    private static void Count(Dictionary<string, int> stats, string key) => stats[key] = stats.GetValueOrDefault(key) + 1;

    /// <summary>Independent oracle: does <paramref name="rule"/> hold on these upstream statuses (as final as they are)?</summary>
    private static bool Holds(TriggerRule rule, IReadOnlyList<TaskRunStatus> up)
    {
        if (up.Count == 0)
        {
            return true;
        }

        static bool IsFailed(TaskRunStatus s) => s is TaskRunStatus.Failed or TaskRunStatus.Cancelled;
        static bool IsDone(TaskRunStatus s) => s is TaskRunStatus.Succeeded or TaskRunStatus.Skipped || IsFailed(s);
        return rule switch
        {
            TriggerRule.AllSuccess => up.All(s => s == TaskRunStatus.Succeeded),
            TriggerRule.AllDone => up.All(IsDone),
            TriggerRule.AllFailed => up.All(IsFailed),
            TriggerRule.OneSuccess => up.Any(s => s == TaskRunStatus.Succeeded),
            TriggerRule.OneFailed => up.Any(IsFailed),
            TriggerRule.NoneFailed => up.All(IsDone) && !up.Any(IsFailed),
            _ => throw new ArgumentOutOfRangeException(nameof(rule)),
        };
    }

    private static bool IsActive(TaskRunStatus s) => s is TaskRunStatus.Running or TaskRunStatus.Waiting or TaskRunStatus.Retrying;

    /// <summary>A driver that executes commands by delivering events in random order, with random outcomes, duplicates and cancels.</summary>
    private sealed class Simulation(WorkflowDefinition wf, Random rng, Dictionary<string, int> stats, StringBuilder trace)
    {
        private static readonly FailureClass[] Failures =
        [
            FailureClass.ServerError, FailureClass.ServerError, FailureClass.ClientError, FailureClass.Timeout, FailureClass.Network,
            FailureClass.TooManyRequests, FailureClass.RequestTimeout, FailureClass.Refused, FailureClass.Reported, FailureClass.Invalid,
        ];

        private readonly Dictionary<string, TaskDefinition> defs = wf.Tasks.ToDictionary(t => t.Id, StringComparer.Ordinal);
        private readonly List<Pending> pool = [];
        private readonly List<RunEvent> delivered = [];
        private readonly List<(string Json, string Commands)> recorded = [];
        private readonly Dictionary<(string, int), int> progress = [];
        private int finishCount;
        private bool cancelled;

        public DateTimeOffset Now { get; set; } = T0;

        public IReadOnlySet<string> NeverInvoke { get; init; } = new HashSet<string>();

        /// <summary>Every attempt succeeds at once (no callbacks, no failures).</summary>
        public bool AlwaysSucceed { get; init; }

        public RunState Run(RunState initial, bool allowCancel, RunEvent? first = null)
        {
            var state = initial;
            var json = RunStateJson.Serialize(state);
            var cancelAt = allowCancel ? rng.Next(0, 40) : -1;
            var maxSteps = ((wf.Tasks.Count * 60) + 50) * (wf.Tasks.Any(t => t.ForEach is not null) ? 8 : 1);
            var step = 0;
            var events = new List<RunEvent> { first ?? new RunStarted(Now) };

            state = Deliver(state, ref json, events[0]);
            while (state.Status == RunStatus.Running)
            {
                Assert.True(++step <= maxSteps, $"run did not terminate within {maxSteps} steps");
                RunEvent next;
                if (step == cancelAt)
                {
                    cancelled = true;
                    next = new CancelRequested("test cancel", Now);
                }
                else if (delivered.Count > 0 && rng.NextDouble() < 0.05)
                {
                    next = Redeliver(delivered[rng.Next(delivered.Count)]);
                }
                else
                {
                    Assert.True(pool.Count > 0, "run is running but nothing is in flight: it would hang");
                    next = Take(state);
                }

                state = Deliver(state, ref json, next);
            }

            CheckFinal(state);

            // Whatever is still in flight arrives late: it must change nothing.
            while (pool.Count > 0)
            {
                var late = Take(state);
                var t = RunStateMachine.Apply(wf, state, late);
                Assert.True(t.Ignored, $"late {late} applied after the run ended");
                Assert.Same(state, t.State);
            }

            Replay(initial);
            return state;
        }

        private RunState Deliver(RunState state, ref string json, RunEvent e)
        {
            var before = state;
            var t = RunStateMachine.Apply(wf, state, e);

            // The stored form must be lossless: the same event applied to the deserialized state gives the same result.
            var fromStorage = RunStateMachine.Apply(wf, RunStateJson.Deserialize(json), e);
            var newJson = RunStateJson.Serialize(t.State);
            Assert.Equal(newJson, RunStateJson.Serialize(fromStorage.State));
            Assert.Equal(t.Commands, fromStorage.Commands);
            Assert.Equal(newJson, RunStateJson.Serialize(RunStateJson.Deserialize(newJson)));

            delivered.Add(e);
            trace.AppendLine($"{e} => {(t.Ignored ? "ignored" : string.Join("; ", t.Commands))}");
            recorded.Add((newJson, string.Join(";", t.Commands)));
            if (t.Ignored)
            {
                Assert.Same(before, t.State);
                Assert.Empty(t.Commands);
                Assert.Empty(t.Log);
            }
            else
            {
                Assert.Equal(before.EventCount + 1, t.State.EventCount);
                Assert.NotEmpty(t.Log);
            }

            CheckStep(before, t);
            json = newJson;
            Now = e.At > Now ? e.At : Now;
            return t.State;
        }

        private void CheckStep(RunState before, Transition t)
        {
            var state = t.State;
            foreach (var command in t.Commands)
            {
                switch (command)
                {
                    case InvokeTask invoke when ForEachInstances.TryParse(invoke.TaskId, out var parentId, out _):
                        CheckInstanceInvoke(before, state, invoke, defs[parentId]);
                        pool.Add(new Pending(PendingKind.Attempt, invoke.TaskId, invoke.Attempt, null, TimerPurpose.Retry));
                        break;
                    case InvokeTask invoke:
                        var def = defs[invoke.TaskId];
                        Assert.NotEqual(TaskTypes.Wait, def.Type);
                        var prior = before.Tasks[invoke.TaskId];
                        Assert.DoesNotContain(invoke.TaskId, NeverInvoke);
                        Assert.Equal(TaskRunStatus.Running, state.Tasks[invoke.TaskId].Status);
                        Assert.Equal(prior.Attempt + 1, invoke.Attempt);
                        // After a redrive the budget counts from the attempts made before it (the new state's AttemptBase).
                        var attemptBase = state.Tasks[invoke.TaskId].AttemptBase;
                        Assert.InRange(invoke.Attempt - attemptBase, 1, Math.Max(1, def.Retry.MaxAttempts));
                        if (invoke.Attempt == attemptBase + 1)
                        {
                            // A redrive resets the task to pending and starts it in the same transition.
                            Assert.Equal(state.Redrives > before.Redrives ? before.Tasks[invoke.TaskId].Status : TaskRunStatus.Pending, prior.Status);
                            var up = def.DependsOn.Select(d => state.Tasks[d].Status).ToList();
                            Assert.True(Holds(def.Trigger, up), $"{invoke.TaskId} invoked while {def.Trigger} does not hold on [{string.Join(",", up)}]");
                        }
                        else
                        {
                            Assert.Equal(TaskRunStatus.Retrying, prior.Status);
                            Count(stats, "task:retried");
                        }

                        pool.Add(new Pending(PendingKind.Attempt, invoke.TaskId, invoke.Attempt, null, TimerPurpose.Retry));
                        break;
                    case StartTimer timer:
                        if (timer.Purpose == TimerPurpose.RunTimeout)
                        {
                            Assert.Equal((state.RedrivenAt ?? state.StartedAt!.Value) + wf.Timeout!.Value, timer.FireAt);
                        }
                        else if (timer.Purpose == TimerPurpose.Wait)
                        {
                            Count(stats, "task:wait-timer");
                            Assert.Equal(TaskTypes.Wait, defs[timer.TaskId!].Type);
                            Assert.Equal((TaskRunStatus.Waiting, timer.FireAt), (state.Tasks[timer.TaskId!].Status, state.Tasks[timer.TaskId!].DueAt!.Value));
                        }

                        pool.Add(new Pending(PendingKind.Timer, timer.TaskId, timer.Attempt, timer.FireAt, timer.Purpose));
                        break;
                    case WaitForCallback wait:
                        Count(stats, "task:waited");
                        Assert.Equal(TaskRunStatus.Waiting, state.Tasks[wait.TaskId].Status);
                        pool.Add(new Pending(PendingKind.Callback, wait.TaskId, wait.Attempt, null, TimerPurpose.CallbackTimeout));
                        break;
                    case AbortTask abort:
                        Assert.True(ForEachRuns.StateOf(before, abort.TaskId)!.Status is TaskRunStatus.Running or TaskRunStatus.Waiting);
                        break;
                    case FinishRun finish:
                        finishCount++;
                        Assert.Equal(1, finishCount);
                        Assert.Equal(finish.Status, state.Status);
                        break;
                }
            }

            foreach (var def in wf.Tasks)
            {
                Assert.InRange(state.Tasks[def.Id].Attempt - state.Tasks[def.Id].AttemptBase, 0, Math.Max(1, def.Retry.MaxAttempts));
                if (state.Tasks[def.Id].ForEach is { } fan)
                {
                    // At most maxParallel in flight; one status character per item; the instances in flight are the 'a's.
                    Assert.NotNull(def.ForEach);
                    Assert.InRange(fan.Running.Count, 0, Math.Max(1, def.MaxParallel));
                    Assert.Equal(fan.Count, fan.Statuses.Length);
                    Assert.Equal(fan.Running.Select(i => i.Index), fan.Statuses.Select((c, i) => (c, i)).Where(x => x.c == ForEachState.Active).Select(x => x.i));
                    Assert.All(fan.Running, i => Assert.InRange(i.State.Attempt - i.State.AttemptBase, 1, Math.Max(1, def.Retry.MaxAttempts)));
                    // After a redrive or in a retry, instances that had succeeded are kept wherever they are; none after Next is in flight or final otherwise.
                    Assert.True(fan.Statuses[fan.Next..].All(c => c == ForEachState.Pending || ((state.Redrives > 0 || state.RetryOf is not null) && c == ForEachState.Succeeded)),
                        "an instance after Next started");
                }
            }

            if (state.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled)
            {
                Assert.NotNull(state.FinishedAt);
                Assert.All(state.Tasks.Values, s => Assert.False(IsActive(s.Status) || s.Status == TaskRunStatus.Pending, "a task is not final in a finished run"));
            }
            else
            {
                Assert.Null(state.FinishedAt);
                Assert.Equal(0, finishCount);
            }
        }

        /// <summary>An instance's attempt: its parent's trigger rule held when it first started; a later attempt follows a retry.</summary>
        private void CheckInstanceInvoke(RunState before, RunState state, InvokeTask invoke, TaskDefinition def)
        {
            Assert.DoesNotContain(def.Id, NeverInvoke);
            Assert.DoesNotContain(invoke.TaskId, NeverInvoke);
            var instance = ForEachRuns.StateOf(state, invoke.TaskId);
            Assert.Equal((TaskRunStatus.Running, invoke.Attempt), (instance!.Status, instance.Attempt));
            Assert.InRange(invoke.Attempt - instance.AttemptBase, 1, Math.Max(1, def.Retry.MaxAttempts));
            var prior = ForEachRuns.StateOf(before, invoke.TaskId);
            if (invoke.Attempt == instance.AttemptBase + 1)
            {
                Assert.Null(prior);
                var up = def.DependsOn.Select(d => state.Tasks[d].Status).ToList();
                Assert.True(Holds(def.Trigger, up), $"{invoke.TaskId} invoked while {def.Trigger} does not hold on [{string.Join(",", up)}]");
            }
            else
            {
                Assert.Equal((TaskRunStatus.Retrying, invoke.Attempt - 1), (prior!.Status, prior.Attempt));
                Count(stats, "forEach:instance-retried");
            }
        }

        private void CheckFinal(RunState state)
        {
            foreach (var def in wf.Tasks.Where(d => d.ForEach is not null))
            {
                var task = state.Tasks[def.Id];
                if (task.ForEach is not { } fan)
                {
                    if (task.Status == TaskRunStatus.Failed && task.Reason?.StartsWith("forEach", StringComparison.Ordinal) == true)
                    {
                        Count(stats, "forEach:not-a-list");
                    }

                    continue;
                }

                Assert.Empty(fan.Running);
                Assert.DoesNotContain(ForEachState.Pending, fan.Statuses);
                switch (task.Status)
                {
                    case TaskRunStatus.Succeeded:
                        Count(stats, fan.Count == 0 ? "forEach:empty" : "forEach:succeeded");
                        Assert.True(fan.Statuses.All(c => c == ForEachState.Succeeded));
                        Assert.Equal(fan.Count, task.Output!.AsArray().Count);
                        break;
                    case TaskRunStatus.Failed:
                        Count(stats, "forEach:failed");
                        Assert.Contains(ForEachState.Failed, fan.Statuses);
                        break;
                    case TaskRunStatus.Cancelled:
                        Count(stats, "forEach:cancelled");
                        break;
                    default:
                        Assert.Fail($"forEach task {def.Id} ended {task.Status}");
                        break;
                }
            }

            Assert.Equal(1, finishCount);
            var failedForGood = wf.Tasks.Where(d => !d.AllowFailure && state.Tasks[d.Id].Status == TaskRunStatus.Failed).ToList();
            var anyCancelled = state.Tasks.Values.Any(s => s.Status == TaskRunStatus.Cancelled);
            var timedOut = state.Reason?.StartsWith("run timeout", StringComparison.Ordinal) == true;
            if (timedOut)
            {
                Count(stats, "timeout");
            }

            switch (state.Status)
            {
                case RunStatus.Succeeded:
                    Assert.Empty(failedForGood);
                    Assert.False(anyCancelled);
                    break;
                case RunStatus.Failed:
                    Assert.True(failedForGood.Count > 0 || timedOut, "failed run without a failed task or a timeout");
                    if (anyCancelled && !timedOut)
                    {
                        Assert.True(wf.FailFast);
                        Count(stats, "failFast");
                    }

                    break;
                case RunStatus.Cancelled:
                    Assert.True(cancelled);
                    break;
                default:
                    Assert.Fail($"run ended {state.Status}");
                    break;
            }

            // Skips match the rules evaluated on final upstream statuses (where no upstream was cancelled).
            foreach (var def in wf.Tasks)
            {
                var s = state.Tasks[def.Id].Status;
                if (s == TaskRunStatus.Skipped)
                {
                    Count(stats, "task:skipped");
                }

                var up = def.DependsOn.Select(d => state.Tasks[d].Status).ToList();
                // Tasks kept by a retry-from-failed ran under the old run's upstream outcomes, which the retry may change.
                if (s == TaskRunStatus.Cancelled || up.Contains(TaskRunStatus.Cancelled) || NeverInvoke.Contains(def.Id))
                {
                    continue;
                }

                var holds = Holds(def.Trigger, up);
                if (holds && def.When is not null && !ConditionHolds(def.When, state))
                {
                    Count(stats, "task:skipped-by-condition");
                    holds = false;
                }

                Assert.True(
                    (s == TaskRunStatus.Skipped) == !holds,
                    $"{def.Id} is {s} but {def.Trigger} on [{string.Join(",", up)}] says {(Holds(def.Trigger, up) ? "run" : "skip")}");
            }
        }

        /// <summary>Independent oracle for the generated condition forms, on final upstream statuses.</summary>
        private static bool ConditionHolds(string when, RunState state)
        {
            if (when is "true" or "not true")
            {
                return when == "true";
            }

            var parts = when.Split(' ');
            var succeeded = state.Tasks[parts[0].Split('.')[1]].Status == TaskRunStatus.Succeeded;
            return parts[1] == "==" ? succeeded : !succeeded;
        }

        /// <summary>Replays the delivered events from the initial state: every state and command list must be identical.</summary>
        private void Replay(RunState initial)
        {
            var state = RunStateJson.Deserialize(RunStateJson.Serialize(initial));
            for (var i = 0; i < delivered.Count; i++)
            {
                var t = RunStateMachine.Apply(wf, state, delivered[i]);
                Assert.Equal(recorded[i].Json, RunStateJson.Serialize(t.State));
                Assert.Equal(recorded[i].Commands, string.Join(";", t.Commands));
                state = t.State;
            }
        }

        private RunEvent Take(RunState state)
        {
            var index = rng.Next(pool.Count);
            var p = pool[index];
            pool.RemoveAt(index);
            switch (p.Kind)
            {
                case PendingKind.Timer:
                    return new TimerFired(p.Purpose, p.TaskId, p.Attempt, p.FireAt!.Value > Now ? p.FireAt.Value : Now);
                case PendingKind.Attempt:
                    return new AttemptCompleted(p.TaskId!, p.Attempt, RandomOutcome(p, allowAccepted: true), Tick());
                default:
                    var outcome = RandomOutcome(p, allowAccepted: progress.GetValueOrDefault((p.TaskId!, p.Attempt)) < 3);
                    if (outcome.Kind == OutcomeKind.Accepted && state.Status == RunStatus.Running)
                    {
                        // Progress: the backend will still post its result later.
                        progress[(p.TaskId!, p.Attempt)] = progress.GetValueOrDefault((p.TaskId!, p.Attempt)) + 1;
                        pool.Add(p);
                    }

                    return new CallbackReceived(p.TaskId!, p.Attempt, outcome, Tick());
            }
        }

        private DateTimeOffset Tick() => Now.AddMilliseconds(rng.Next(0, 5000));

        private AttemptOutcome RandomOutcome(Pending p, bool allowAccepted)
        {
            var roll = AlwaysSucceed ? 0 : rng.NextDouble();
            if (roll < 0.5)
            {
                // A list for forEach tasks downstream: mostly a few items, sometimes none, now and then not a list.
                var items = rng.NextDouble() < 0.05 && !AlwaysSucceed ? (JsonNode)JsonValue.Create("not a list")
                    : new JsonArray([.. Enumerable.Range(0, rng.Next(0, 5)).Select(i => (JsonNode?)JsonValue.Create(i))]);
                return AttemptOutcome.Success(new JsonObject { ["v"] = $"{p.TaskId}-{p.Attempt}", ["items"] = items });
            }

            if (allowAccepted && roll < 0.65)
            {
                return new AttemptOutcome { Kind = OutcomeKind.Accepted, StatusCode = 202 };
            }

            var failure = Failures[rng.Next(Failures.Length)];
            bool? retryable = rng.Next(4) switch { 0 => true, 1 => false, _ => null };
            return AttemptOutcome.Fail(failure, "simulated", failure is FailureClass.ServerError ? 503 : null) with
            {
                Retryable = retryable,
                RetryAfter = rng.NextDouble() < 0.2 ? TimeSpan.FromSeconds(rng.Next(1, 300)) : null,
            };
        }

        private RunEvent Redeliver(RunEvent e) => e switch
        {
            AttemptCompleted a => a with { At = Now },
            CallbackReceived c => c with { At = Now },
            TimerFired f => f with { At = Now },
            RunStarted r => r with { At = Now },
            CancelRequested c => c with { At = Now },
            _ => e,
        };
    }

    private enum PendingKind
    {
        Attempt,
        Timer,
        Callback,
    }

    private sealed record Pending(PendingKind Kind, string? TaskId, int Attempt, DateTimeOffset? FireAt, TimerPurpose Purpose);
}
