using System.Text.Json;
using Loom.Core.Definitions;
using Loom.Core.Engine;

namespace Loom.Core.SelfHosted;

/// <summary>
/// The self-hosted driver's outbox rules: what a run still owes the world, and which process owes it. The items themselves are derived from the state (a
/// running task owes its attempt's outcome, a retrying or waiting task owes a timer, a run with a timeout owes its
/// deadline); the outbox stored beside the state only records who is executing each one, so a sweep can tell orphaned
/// work (its process is dead) from work in progress.
/// </summary>
public static class RunOutbox
{
    /// <summary>The outstanding items of a state: key to the command that (re-)executes it.</summary>
    public static IReadOnlyDictionary<string, RunCommand> Items(WorkflowDefinition workflow, RunState state)
    {
        var items = new Dictionary<string, RunCommand>(StringComparer.Ordinal);
        foreach (var command in RunStateMachine.Outstanding(workflow, state))
        {
            if (KeyOf(command) is { } key) items[key] = command;
        }
        // A finished run may still owe its outcome's notification: the item keeps it in the recovery sweeps until it is reported.
        foreach (var send in RunStateMachine.OwedNotifications(state))
        {
            items[KeyOf(send)!] = send;
        }
        return items;
    }

    /// <summary>The key of the item a command creates, or null for commands that leave nothing owed.</summary>
    public static string? KeyOf(RunCommand command) => command switch
    {
        InvokeTask i => $"{i.TaskId}#{i.Attempt}",
        StartTimer { Purpose: TimerPurpose.RunTimeout } => "#run",
        StartTimer { Purpose: TimerPurpose.Sla } s => $"{s.TaskId}#sla",
        SendNotification n => $"notify:{n.Notice.Key}",
        StartTimer s => $"{s.TaskId}#{s.Attempt}",
        _ => null,
    };

    /// <summary>Owners for the items of <paramref name="state"/>: items created by <paramref name="issued"/> belong to <paramref name="self"/>, the rest keep their previous owner.</summary>
    public static Dictionary<string, string> Assign(WorkflowDefinition workflow, RunState state, IReadOnlyDictionary<string, string> previous, IEnumerable<RunCommand> issued, string self)
    {
        var mine = issued.Select(KeyOf).Where(k => k is not null).ToHashSet(StringComparer.Ordinal);
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in Items(workflow, state).Keys)
        {
            owners[key] = !mine.Contains(key) && previous.TryGetValue(key, out var owner) ? owner : self;
        }
        return owners;
    }

    /// <summary>
    /// The adoption of a stored run's orphaned items (their owner is dead, or nobody is named): the commands to execute again
    /// and the outbox that names <paramref name="self"/> as their owner. Null when the run owes items and every one has a
    /// live owner; a run that owes nothing is claimed with an empty outbox, which takes it out of the sweeps.
    /// </summary>
    /// <param name="workflow">The run's workflow.</param>
    /// <param name="state">The run's stored state.</param>
    /// <param name="storedOutbox">The run's stored outbox column.</param>
    /// <param name="ownerIsDead">Whether a process incarnation is dead.</param>
    /// <param name="self">The adopting incarnation.</param>
    public static OutboxClaim? Claim(WorkflowDefinition workflow, RunState state, string? storedOutbox, Func<string, bool> ownerIsDead, string self)
    {
        var owners = Deserialize(storedOutbox);
        var items = Items(workflow, state);
        var orphaned = items.Where(i => !owners.TryGetValue(i.Key, out var owner) || ownerIsDead(owner)).Select(i => i.Value).ToList();
        if (orphaned.Count == 0 && items.Count > 0) return null;
        return new OutboxClaim(orphaned, Serialize(Assign(workflow, state, owners, orphaned, self)));
    }

    /// <summary>The stored form: empty when nothing is owed (so the run drops out of recovery sweeps).</summary>
    public static string Serialize(IReadOnlyDictionary<string, string> owners) =>
        owners.Count == 0 ? "" : JsonSerializer.Serialize(owners.OrderBy(o => o.Key, StringComparer.Ordinal).ToDictionary(o => o.Key, o => o.Value));

    /// <summary>Reads the stored form; anything unreadable counts as owned by nobody, which makes the sweep adopt it.</summary>
    public static Dictionary<string, string> Deserialize(string? text)
    {
        if (string.IsNullOrEmpty(text)) return new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(text) is { } d
                ? new Dictionary<string, string>(d, StringComparer.Ordinal)
                : new Dictionary<string, string>(StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }
    }
}
