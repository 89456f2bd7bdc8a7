using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.SelfHosted;

namespace Loom.Core.Tests.SelfHosted;

/// <summary>
/// Generated interleavings of completions, callbacks (also before their call's answer), retries, run timeouts, storage outages
/// (also a write that lands with its answer lost), crashes (a process dropped at any step, also between a commit and acting
/// on it), adoption sweeps and cancels, driven through Core's <see cref="RunCommitLoop"/> on an in-memory store and a fake clock.
/// </summary>
public sealed class SelfHostedInterleavingTests
{
    private const int Seeds = 300;

    [Fact]
    public void GeneratedInterleavings_EveryRunEndsAsItsBackendDecides()
    {
        var clusters = Enumerable.Range(0, Seeds).Select(seed => RunOne(seed, crashes: true, cancels: true)).ToList();

        // The generator reaches what it is meant to: outages met by commits, lost answers, callbacks, run timeouts, crashes.
        Assert.True(clusters.Count(c => c.Trace.Any(t => t.EndsWith("waits out an outage", StringComparison.Ordinal))) > 10);
        Assert.True(clusters.Count(c => c.Trace.Any(t => t.Contains(" callback ", StringComparison.Ordinal))) > 10);
        Assert.True(clusters.Count(c => c.Stored.Reason?.StartsWith("run timeout", StringComparison.Ordinal) == true) > 3);
        Assert.True(clusters.Count(c => c.Crashes > 0) > 10);
    }

    [Fact]
    public void GeneratedInterleavingsWithoutCrashes_SendEveryAttemptExactlyOnce()
    {
        for (var seed = 0; seed < Seeds; seed++)
        {
            var cluster = RunOne(seed, crashes: false, cancels: true);
            var twice = cluster.Sent.Where(s => s.Value > 1).Select(s => s.Key).ToList();
            Assert.True(twice.Count == 0, $"seed {seed}: sent twice without a crash: {string.Join(", ", twice)}\n{string.Join("\n", cluster.Trace)}");
        }
    }

    [Fact]
    public void CarriedRetries_SaveCommits()
    {
        // A chain whose tasks each fail twice: carried retries commit with the next outcome, not one by one.
        var workflow = Chain(3, maxAttempts: 3);
        var cluster = new SelfHostedCluster(workflow, workflow.Tasks.ToDictionary(t => t.Id, _ => 2), processes: 1);
        cluster.Start();
        Drain(cluster, new Random(1), 0, workflow);

        Assert.Equal(RunStatus.Succeeded, cluster.Stored.Status);
        // 9 attempts, 6 of them failing into a retry and 6 retries starting: without carrying that is 9 + 6 + 6 commits.
        Assert.True(cluster.Store.Commits <= 9, $"{cluster.Store.Commits} commits");
    }

    [Fact]
    public void RefusedCommits_FailTheRunAfterMaxFailuresWithTheReason()
    {
        var workflow = Chain(2, maxAttempts: 1);
        var cluster = new SelfHostedCluster(workflow, workflow.Tasks.ToDictionary(t => t.Id, _ => 0), processes: 1);
        cluster.Start();
        var started = cluster.Clock.GetUtcNow();
        cluster.Answer(cluster.Network[0]);
        cluster.Store.Refusals = CommitFailures.MaxFailures;
        var p = cluster.Processes[0];

        p.ProcessBatch(p.Mailbox.Count, crashAfterCommit: false);
        while (cluster.Committing) cluster.Advance(TimeSpan.FromSeconds(1));

        var state = cluster.Stored;
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.StartsWith("Loom could not store this run's next state (The request body is too large.)", state.Reason, StringComparison.Ordinal);
        // Nine pauses (1, 2, 4 ... 32, 60, 60, 60 s) between ten refusals.
        Assert.Equal(TimeSpan.FromSeconds(243), cluster.Clock.GetUtcNow() - started);
        Assert.Equal(0, cluster.Store.Refusals);
        Assert.Null(cluster.Store.Attempts["t0#1"].Output);
        Assert.Empty(cluster.Store.Read().Outbox);
    }

    [Fact]
    public void StorageOutage_TheBatchIsKeptAndCommittedOnceStorageIsBack()
    {
        var workflow = Chain(2, maxAttempts: 1);
        var cluster = new SelfHostedCluster(workflow, workflow.Tasks.ToDictionary(t => t.Id, _ => 0), processes: 1);
        cluster.Start();
        var started = cluster.Clock.GetUtcNow();
        cluster.Answer(cluster.Network[0]);
        cluster.Outage(TimeSpan.FromSeconds(2));
        var p = cluster.Processes[0];

        p.ProcessBatch(p.Mailbox.Count, crashAfterCommit: false);
        while (cluster.Committing) cluster.Advance(TimeSpan.FromMilliseconds(100));

        // Tries at 0, 0.1, 0.3, 0.7, 1.5 and 3.1 s: the sixth lands, storage having been back since 2 s; none counts as a failure.
        Assert.Equal(TimeSpan.FromMilliseconds(3100), cluster.Clock.GetUtcNow() - started);
        Assert.Equal(5, cluster.Store.Outages);
        Assert.Equal(1, cluster.Trace.Count(t => t.EndsWith("waits out an outage", StringComparison.Ordinal)));
        Assert.DoesNotContain(cluster.Trace, t => t.Contains("stalled", StringComparison.Ordinal));
        Assert.Equal(TaskRunStatus.Succeeded, cluster.Stored.Tasks["t0"].Status);
        Assert.Equal(["t1#1"], cluster.Network.Select(c => $"{c.Invoke.TaskId}#{c.Invoke.Attempt}"));
    }

    [Fact]
    public void LostCommitAnswer_TheCommitLandedOnce_AndItsCommandsAreStillExecuted()
    {
        var workflow = Chain(2, maxAttempts: 1);
        var cluster = new SelfHostedCluster(workflow, workflow.Tasks.ToDictionary(t => t.Id, _ => 0), processes: 1);
        cluster.Start();
        cluster.Answer(cluster.Network[0]);
        cluster.Store.LostAnswers = 1;
        var p = cluster.Processes[0];

        p.ProcessBatch(p.Mailbox.Count, crashAfterCommit: false);
        while (cluster.Committing) cluster.Advance(TimeSpan.FromMilliseconds(100));

        // The retried write conflicts with the one that landed; the reload shows it, and t1 is sent all the same, once.
        Assert.Equal(1, cluster.Store.Commits);
        Assert.Equal(1, cluster.Sent["t1#1"]);
        Assert.Equal(TaskRunStatus.Succeeded, cluster.Stored.Tasks["t0"].Status);
    }

    private static SelfHostedCluster RunOne(int seed, bool crashes, bool cancels)
    {
        var random = new Random(seed);
        var workflow = Generate(random);
        var failures = workflow.Tasks.ToDictionary(t => t.Id, t => random.Next(0, t.Retry.MaxAttempts + 1));
        var cluster = new SelfHostedCluster(workflow, failures, processes: random.Next(1, 4));
        cluster.Start();
        var cancelled = false;
        for (var step = 0; step < 400 && !RunStatuses.IsFinal(cluster.Stored.Status); step++)
        {
            var p = cluster.Processes[random.Next(cluster.Processes.Count)];
            switch (random.Next(100))
            {
                case < 30 when p.Mailbox.Count > 0:
                    p.ProcessBatch(random.Next(1, p.Mailbox.Count + 1), crashAfterCommit: crashes && random.Next(30) == 0);
                    break;
                case < 55 when cluster.Network.Count > 0:
                    cluster.Answer(cluster.Network[random.Next(cluster.Network.Count)]);
                    break;
                case < 62 when cluster.Callbacks.Count > 0:
                    cluster.Deliver(cluster.Callbacks[random.Next(cluster.Callbacks.Count)], p);
                    break;
                case < 76:
                    cluster.Advance(TimeSpan.FromMilliseconds(random.Next(0, 400)));
                    break;
                case < 78:
                    cluster.Outage(TimeSpan.FromMilliseconds(random.Next(50, 1500)));
                    break;
                case < 79:
                    cluster.Store.LostAnswers++;
                    break;
                case < 83 when crashes:
                    cluster.Crash(p);
                    break;
                case < 95:
                    cluster.Sweep(p);
                    break;
                case < 96 when cancels:
                    cluster.Cancel(p);
                    cancelled = true;
                    break;
            }
        }
        Drain(cluster, random, seed, workflow);
        Check(cluster, workflow, failures, cancelled, seed);
        return cluster;
    }

    /// <summary>No more crashes: every process works off its mailbox, calls answer, sweeps run and time passes, until the run ends.</summary>
    private static void Drain(SelfHostedCluster cluster, Random random, int seed, WorkflowDefinition workflow)
    {
        for (var round = 0; round < 3000 && !RunStatuses.IsFinal(cluster.Stored.Status); round++)
        {
            foreach (var p in cluster.Processes.ToList())
            {
                while (p.Mailbox.Count > 0 && !p.Committing) p.ProcessBatch(random.Next(1, p.Mailbox.Count + 1), crashAfterCommit: false);
            }
            if (cluster.Network.Count > 0)
            {
                cluster.Answer(cluster.Network[random.Next(cluster.Network.Count)]);
                continue;
            }
            if (cluster.Deliverable is { Count: > 0 } deliverable && round % 2 == 0)
            {
                cluster.Deliver(deliverable[random.Next(deliverable.Count)], cluster.Processes[random.Next(cluster.Processes.Count)]);
                continue;
            }
            foreach (var p in cluster.Processes.ToList()) cluster.Sweep(p);
            cluster.Advance(TimeSpan.FromMilliseconds(100));
        }
        Assert.True(RunStatuses.IsFinal(cluster.Stored.Status),
            $"seed {seed}: the run did not end ({cluster.Stored.Status}; {workflow.Tasks.Count} tasks)\n{string.Join("\n", cluster.Trace)}");
    }

    private static void Check(SelfHostedCluster cluster, WorkflowDefinition workflow, Dictionary<string, int> failures, bool cancelled, int seed)
    {
        var state = cluster.Stored;
        var why = $"seed {seed}\n{string.Join("\n", cluster.Trace)}";
        var expected = workflow.Tasks.All(t => failures[t.Id] < t.Retry.MaxAttempts) ? RunStatus.Succeeded : RunStatus.Failed;
        var timedOut = state.Status == RunStatus.Failed && state.Reason?.StartsWith("run timeout", StringComparison.Ordinal) == true;
        Assert.True(state.Status == expected || (cancelled && state.Status == RunStatus.Cancelled) || (workflow.Timeout is not null && timedOut),
            $"{state.Status} ({state.Reason}), expected {expected}: {why}");
        Assert.True(timedOut == false || workflow.Timeout is not null, $"timed out without a timeout: {why}");
        Assert.Equal(0, cluster.OffThread);
        Assert.True(string.IsNullOrEmpty(cluster.Store.Read().Outbox), $"a final run still owes {cluster.Store.Read().Outbox}: {why}");
        foreach (var task in workflow.Tasks)
        {
            var sent = cluster.Sent.Keys.Where(k => k.StartsWith(task.Id + "#", StringComparison.Ordinal)).Select(k => int.Parse(k[(task.Id.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
            Assert.True(sent.Count <= task.Retry.MaxAttempts, $"{task.Id}: attempts {string.Join(",", sent)}: {why}");
            Assert.Equal(Enumerable.Range(1, sent.Count), sent);
            var s = state.Tasks[task.Id];
            if (s.Status == TaskRunStatus.Succeeded)
            {
                Assert.True(failures[task.Id] + 1 == s.Attempt, $"{task.Id} succeeded at attempt {s.Attempt}: {why}");
                Assert.True(cluster.Store.Attempts.ContainsKey($"{task.Id}#{s.Attempt}"), $"{task.Id}#{s.Attempt} has no attempt row: {why}");
            }
        }
        var sequences = cluster.Store.Events.Select(e => e.Sequence).ToList();
        Assert.Equal(sequences.Order(), sequences);
    }

    private static WorkflowDefinition Generate(Random random)
    {
        var count = random.Next(1, 7);
        var tasks = new List<TaskDefinition>();
        for (var i = 0; i < count; i++)
        {
            tasks.Add(new TaskDefinition
            {
                Id = $"t{i}",
                Url = $"http://backend/t{i}",
                DependsOn = [.. Enumerable.Range(0, i).Where(_ => random.Next(3) == 0).Take(2).Select(j => $"t{j}")],
                Retry = new RetryPolicy { MaxAttempts = random.Next(1, 4), Delay = TimeSpan.FromMilliseconds(random.Next(50, 300)), Jitter = 0 },
                Completion = random.Next(4) == 0 ? CompletionMode.Callback : CompletionMode.Sync,
            });
        }
        // Some runs have a deadline that may come before they end.
        var timeout = random.Next(5) == 0 ? TimeSpan.FromMilliseconds(random.Next(500, 20000)) : (TimeSpan?)null;
        return new WorkflowDefinition { Id = "generated", Tasks = tasks, Timeout = timeout };
    }

    private static WorkflowDefinition Chain(int length, int maxAttempts) => new()
    {
        Id = "chain",
        Tasks = [.. Enumerable.Range(0, length).Select(i => new TaskDefinition
        {
            Id = $"t{i}",
            Url = $"http://backend/t{i}",
            DependsOn = i == 0 ? [] : [$"t{i - 1}"],
            Retry = new RetryPolicy { MaxAttempts = maxAttempts, Delay = TimeSpan.FromMilliseconds(100), Jitter = 0 },
        })],
    };
}
