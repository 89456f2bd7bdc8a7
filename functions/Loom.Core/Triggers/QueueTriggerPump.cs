using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Triggers;

/// <summary>
/// Queue triggers, written once for both hosts: which queues the workflows declare, and what each message becomes — a run
/// (deduplicated by message id), a message in <c>NAME-poison</c> with the reason, or a message left for later while its
/// workflow is paused. The server's poller and the Function App's timer both call <see cref="PumpOnceAsync"/>. A run it
/// starts is written to its workflow's audit log, as a webhook's is.
/// </summary>
public sealed class QueueTriggerPump(WorkflowCatalog workflows, ITriggerQueues queues, IWorkflowAuditStore audit, TimeProvider clock, QueueTriggerOptions options)
{
    /// <summary>Largest poison message written: Azure takes at most 64 KiB per message.</summary>
    public const int MaxPoisonChars = 60 * 1024;

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private Declared? _declared;

    /// <summary>The options.</summary>
    public QueueTriggerOptions Options => options;

    /// <summary>One pass: a bounded batch from every queue an active workflow declares, each message handled while its lease is renewed.</summary>
    /// <returns>What became of each message taken (empty when every queue was empty).</returns>
    public async Task<IReadOnlyList<QueueMessageOutcome>> PumpOnceAsync(IRunDriver driver, CancellationToken cancellationToken = default)
    {
        var declared = await DeclaredAsync(cancellationToken);
        var outcomes = new List<QueueMessageOutcome>();
        foreach (var (queue, subscribers) in declared.ByQueue)
        {
            // A paused workflow's messages wait in the queue: pausing holds event-triggered runs as it holds scheduled ones.
            if (subscribers.Count == 1 && subscribers[0].Head.Paused) continue;
            var batch = await queues.ReceiveAsync(queue, Math.Clamp(options.BatchSize, 1, 32), options.Visibility, cancellationToken);
            if (batch.Count == 0) continue;
            outcomes.AddRange(await Task.WhenAll(batch.Select(m => HandleAsync(driver, m, cancellationToken))));
        }

        return outcomes;
    }

    /// <summary>Passes until the queues are empty or <paramref name="budget"/> has passed (the Function App's timer tick).</summary>
    public async Task<IReadOnlyList<QueueMessageOutcome>> DrainAsync(IRunDriver driver, TimeSpan budget, CancellationToken cancellationToken = default)
    {
        var until = clock.GetUtcNow() + budget;
        var all = new List<QueueMessageOutcome>();
        while (true)
        {
            var pass = await PumpOnceAsync(driver, cancellationToken);
            all.AddRange(pass);
            // Held and failed messages are invisible for a while: another pass right away would find nothing new in them.
            if (!pass.Any(o => o.Handled) || clock.GetUtcNow() >= until)
            {
                return all;
            }
        }
    }

    /// <summary>Handles one received message; never throws for a bad message (it is poisoned), only for cancellation.</summary>
    public async Task<QueueMessageOutcome> HandleAsync(IRunDriver driver, TriggerQueueMessage message, CancellationToken cancellationToken = default)
    {
        var lease = new Lease(queues, message, options, clock);
        try
        {
            var outcome = await DecideAsync(driver, message, cancellationToken);
            var current = await lease.StopAsync();
            switch (outcome.Result)
            {
                case QueueMessageResult.Poisoned:
                    await queues.SendAsync(TriggerQueueNames.PoisonOf(message.Queue), PoisonText(message, outcome), cancellationToken);
                    await queues.DeleteAsync(current, cancellationToken);
                    break;
                case QueueMessageResult.Started or QueueMessageResult.Duplicate:
                    // If the lease was lost, the delete fails and the message comes back: its run id refuses a second run.
                    await queues.DeleteAsync(current, cancellationToken);
                    break;
                case QueueMessageResult.Held:
                    await queues.ExtendAsync(current, options.PausedHold, cancellationToken);
                    break;
            }

            return outcome;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // Storage refused: the message reappears when its lease ends, and is tried again (poisoned after MaxDeliveries).
            return new QueueMessageOutcome(message.Queue, message.MessageId, QueueMessageResult.Failed, Reason: ex.Message, Error: ex);
        }
        finally
        {
            await lease.StopAsync();
        }
    }

    private async Task<QueueMessageOutcome> DecideAsync(IRunDriver driver, TriggerQueueMessage message, CancellationToken cancellationToken)
    {
        QueueMessageOutcome Poison(string reason, string? workflowId = null) =>
            new(message.Queue, message.MessageId, QueueMessageResult.Poisoned, workflowId, Reason: reason);

        var declared = await DeclaredAsync(cancellationToken);
        if (!declared.ByQueue.ContainsKey(message.Queue))
        {
            // Poison only on what the workflows say now, not on a list read before a registration.
            Refresh();
            declared = await DeclaredAsync(cancellationToken);
        }

        if (!declared.ByQueue.TryGetValue(message.Queue, out var subscribers) || subscribers.Count == 0)
        {
            return Poison($"no active workflow declares queue '{message.Queue}'");
        }

        if (subscribers.Count > 1)
        {
            return Poison($"queue '{message.Queue}' is declared by several workflows ({string.Join(", ", subscribers.Select(s => s.Definition.Id))}); a queue starts one workflow: give each its own queue");
        }

        var (head, definition) = subscribers[0];
        if (head.Paused)
        {
            return new QueueMessageOutcome(message.Queue, message.MessageId, QueueMessageResult.Held, definition.Id, Reason: "the workflow is paused");
        }

        var runId = TriggerRunIds.ForQueueMessage(definition.Id, message.Queue, message.MessageId);
        if (message.DequeueCount > options.MaxDeliveries)
        {
            return Poison($"delivered {message.DequeueCount} times without starting run '{runId}' (starting it kept failing; see the host's log)", definition.Id);
        }

        var (overrides, error) = TriggerParams.ReadMessage(message.Body, definition);
        if (error is not null)
        {
            return Poison(error, definition.Id);
        }

        var now = clock.GetUtcNow();
        var triggeredBy = $"queue:{message.Queue}";
        var state = RunStateMachine.Create(definition, head.CurrentVersion, runId, overrides, now, now) with { TriggeredBy = triggeredBy };
        try
        {
            await driver.StartAsync(definition, state, "queue", cancellationToken);
        }
        catch (StoreConflictException)
        {
            // Delivered again: its run exists already, audited by the delivery that started it.
            return new QueueMessageOutcome(message.Queue, message.MessageId, QueueMessageResult.Duplicate, definition.Id, runId);
        }

        await audit.AppendAsync(new WorkflowAuditRecord(definition.Id, now, "queue", triggeredBy, runId, $"message {message.MessageId}"), cancellationToken);
        return new QueueMessageOutcome(message.Queue, message.MessageId, QueueMessageResult.Started, definition.Id, runId);
    }

    /// <summary>The poison message: the reason and where the message came from, with the message itself (as JSON when it is JSON).</summary>
    internal static string PoisonText(TriggerQueueMessage message, QueueMessageOutcome outcome)
    {
        JsonNode? original;
        try
        {
            original = JsonNode.Parse(message.Body) ?? JsonValue.Create(message.Body);
        }
        catch (JsonException)
        {
            original = JsonValue.Create(message.Body);
        }

        var envelope = new JsonObject
        {
            ["reason"] = outcome.Reason,
            ["queue"] = message.Queue,
            ["messageId"] = message.MessageId,
            ["dequeueCount"] = message.DequeueCount,
            ["insertedAt"] = message.InsertedAt,
            ["workflowId"] = outcome.WorkflowId,
            ["message"] = original,
        };
        var text = envelope.ToJsonString();
        if (text.Length <= MaxPoisonChars) return text;
        // Only a message near Azure's own 64 KiB limit gets here: keep what fits, and say it was cut.
        envelope["message"] = message.Body[..Math.Min(message.Body.Length, MaxPoisonChars / 2)];
        envelope["truncated"] = true;
        return envelope.ToJsonString();
    }

    private async Task<Declared> DeclaredAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_declared is { } fresh && now - fresh.At < options.DeclaredRefresh) return fresh;
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_declared is { } again && now - again.At < options.DeclaredRefresh) return again;
            var byQueue = new SortedDictionary<string, List<(WorkflowHead, WorkflowDefinition)>>(StringComparer.Ordinal);
            foreach (var (head, definition) in await workflows.ListCurrentAsync(cancellationToken))
            {
                foreach (var queue in definition.Triggers.Queues)
                {
                    if (!byQueue.TryGetValue(queue, out var list)) byQueue[queue] = list = [];
                    list.Add((head, definition));
                }
            }

            _declared = new Declared(now, byQueue.ToDictionary(p => p.Key, p => (IReadOnlyList<(WorkflowHead Head, WorkflowDefinition Definition)>)p.Value, StringComparer.Ordinal));
            return _declared;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>Forgets the declared queues, so the next pass reads the workflows again (after a registration, in tests).</summary>
    public void Refresh() => _declared = null;

    private sealed record Declared(DateTimeOffset At, IReadOnlyDictionary<string, IReadOnlyList<(WorkflowHead Head, WorkflowDefinition Definition)>> ByQueue);

    /// <summary>Keeps a message invisible while it is handled, renewing its visibility every <see cref="QueueTriggerOptions.RenewEvery"/>.</summary>
    private sealed class Lease
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private TriggerQueueMessage _current;

        public Lease(ITriggerQueues queues, TriggerQueueMessage message, QueueTriggerOptions options, TimeProvider clock)
        {
            _current = message;
            _loop = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        await Task.Delay(options.RenewEvery, clock, _stop.Token);
                        _current = await queues.ExtendAsync(_current, options.Visibility, _stop.Token);
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                }
                catch (Exception)
                {
                    // The lease is lost (storage refused, or another reader has the message): the delete will say so, and the
                    // message's run id keeps a redelivery from starting a second run.
                }
            });
        }

        /// <summary>Stops renewing; the message as last renewed (its pop receipt is the one to delete with).</summary>
        public async Task<TriggerQueueMessage> StopAsync()
        {
            if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
            await _loop;
            return _current;
        }
    }
}
